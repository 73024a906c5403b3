# codebeaker-python: Debian 12 (python3 python3-pip python3-venv) on codebeaker-base; built by scripts/build-runtime-images.sh.
FROM codebeaker-base
COPY common.sh /tmp/common.sh
RUN sh /tmp/common.sh && rm /tmp/common.sh
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pip python3-venv \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
ENV HOME=/tmp
WORKDIR /workspace
USER sandbox
LABEL codebeaker.image=1
# The session runner: pid 1, forks each run as the session's uid (see scripts/images/cb-runner.c).
COPY cb-runner /usr/local/bin/cb-runner
LABEL codebeaker.runner=/usr/local/bin/cb-runner
CMD ["/usr/local/bin/cb-runner"]
