# codebeaker-go: Debian 12 (golang-go) on codebeaker-base; built by scripts/build-runtime-images.sh.
FROM codebeaker-base
COPY common.sh /tmp/common.sh
RUN sh /tmp/common.sh && rm /tmp/common.sh
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends golang-go \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
# Go needs writable caches; the root filesystem is read-only in sessions, /tmp is a tmpfs.
ENV GOCACHE=/tmp/.gocache GOPATH=/tmp/go GOTOOLCHAIN=local
ENV HOME=/tmp
WORKDIR /workspace
USER sandbox
LABEL codebeaker.image=1
# The session runner: pid 1, forks each run as the session's uid (see scripts/images/cb-runner.c).
COPY cb-runner /usr/local/bin/cb-runner
LABEL codebeaker.runner=/usr/local/bin/cb-runner
CMD ["/usr/local/bin/cb-runner"]
