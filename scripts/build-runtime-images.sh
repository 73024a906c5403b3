#!/usr/bin/env bash
# Builds CodeBeaker's runtime images locally, with no container registry:
#   1. debootstrap a minimal Debian 12 rootfs once (cached under $CACHE_DIR/rootfs),
#   2. `docker import` it as codebeaker-base,
#   3. `docker build` codebeaker-python / -nodejs / -go from scripts/images/<lang>.Dockerfile,
#      each adding its language from Debian's packages.
# Idempotent: images that exist are skipped unless --rebuild. Exits non-zero on the first failure.
#
# Usage: scripts/build-runtime-images.sh [--rebuild] [--only python,nodejs,go]
# Env:   DEBIAN_MIRROR  apt mirror URL (default: the first Debian mirror in this host's apt sources)
#        CODEBEAKER_CACHE_DIR  (default /var/cache/codebeaker)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGES_DIR="$HERE/images"
CACHE_DIR="${CODEBEAKER_CACHE_DIR:-/var/cache/codebeaker}"
ROOTFS="$CACHE_DIR/rootfs"
SUITE=bookworm
REBUILD=0
ONLY="python,nodejs,go"

while [ $# -gt 0 ]; do
    case "$1" in
        --rebuild) REBUILD=1 ;;
        --only) ONLY="$2"; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

START=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }
die() { echo "error: $*" >&2; exit 1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The mirror comes from the host's own apt configuration so no host name is baked in here.
find_mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    local m
    m=$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
    if [ -z "$m" ]; then
        m=$(grep -hsE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null \
            | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
    fi
    [ -n "$m" ] || die "no Debian mirror found in /etc/apt; set DEBIAN_MIRROR"
    echo "$m"
}

command -v docker >/dev/null || die "docker CLI not found (apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "Docker daemon unreachable (start it: dockerd > /tmp/dockerd.log 2>&1 &)"

# 1 + 2: base image.
if [ "$REBUILD" = 1 ] || ! image_exists codebeaker-base; then
    if [ ! -f "$ROOTFS/.complete" ] || [ "$REBUILD" = 1 ]; then
        command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
        MIRROR=$(find_mirror)
        step "debootstrap --variant=minbase $SUITE into $ROOTFS (mirror from apt config)"
        rm -rf "$ROOTFS"; mkdir -p "$ROOTFS"
        debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" \
            | grep --line-buffered -E '^I: (Retrieving Release|Validating|Extracting|Installing|Configuring|Base system)' \
            | awk '/^I: (Extracting|Installing|Configuring) /{n++; if (n % 25) next} {print; fflush()}'
        [ "${PIPESTATUS[0]}" = 0 ] || die "debootstrap failed"
        # Keep the image lean: no apt lists, caches, docs or man pages.
        rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
               "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
        printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$MIRROR" "$SUITE" \
            > "$ROOTFS/etc/apt/sources.list.d/debian.sources"
        rm -f "$ROOTFS/etc/apt/sources.list"
        # Never ask questions, never keep recommends, never keep downloaded lists.
        printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$ROOTFS/etc/apt/apt.conf.d/90codebeaker"
        touch "$ROOTFS/.complete"
    else
        step "reusing cached rootfs $ROOTFS"
    fi
    step "docker import codebeaker-base"
    tar -C "$ROOTFS" --exclude=./.complete --numeric-owner -c . \
        | docker import -c 'CMD ["/bin/sh"]' -c 'ENV LANG=C.UTF-8' -c 'LABEL codebeaker.image=base' - codebeaker-base:latest
else
    step "codebeaker-base exists (use --rebuild to rebuild)"
fi

# The session runner (pid 1 of every session container), a static binary so any image can run it.
RUNNER="$CACHE_DIR/cb-runner"
# Warnings are errors (scripts/lint.sh compiles it the same way).
CFLAGS="-static -O2 -Wall -Wextra -Werror"
if [ "$REBUILD" = 1 ] || [ ! -x "$RUNNER" ] || [ "$IMAGES_DIR/cb-runner.c" -nt "$RUNNER" ] \
        || [ "$IMAGES_DIR/cb-wire.h" -nt "$RUNNER" ]; then
    step "compile cb-runner (static) into $RUNNER"
    mkdir -p "$CACHE_DIR"
    # A host compiler with a static libc (cc prints the bare name when it has none) builds it here, showing
    # its diagnostics.
    if command -v cc >/dev/null && [ "$(cc -print-file-name=libc.a)" != libc.a ]; then
        cc $CFLAGS -o "$RUNNER.tmp" "$IMAGES_DIR/cb-runner.c" || die "cannot compile cb-runner"
    else
        # No host compiler (or no static libc): compile inside the base image.
        docker run --rm --network host -v "$IMAGES_DIR:/src:ro" -v "$CACHE_DIR:/out" codebeaker-base sh -c \
            "apt-get update -qq && apt-get install -y -qq gcc libc6-dev >/dev/null && gcc $CFLAGS -o /out/cb-runner.tmp /src/cb-runner.c" \
            || die "cannot compile cb-runner"
    fi
    strip "$RUNNER.tmp" 2>/dev/null || true
    mv "$RUNNER.tmp" "$RUNNER"
    REBUILD_LANGS=1
else
    step "cb-runner is up to date ($RUNNER)"
    REBUILD_LANGS=$REBUILD
fi

# 3: one image per language.
CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
cp "$IMAGES_DIR"/common.sh "$RUNNER" "$CONTEXT"/
IFS=',' read -r -a LANGS <<< "$ONLY"
for lang in "${LANGS[@]}"; do
    name="codebeaker-$lang"
    file="$IMAGES_DIR/$lang.Dockerfile"
    [ -f "$file" ] || die "no Dockerfile for $lang at $file"
    if [ "$REBUILD_LANGS" = 0 ] && image_exists "$name"; then
        step "$name exists (use --rebuild to rebuild)"
        continue
    fi
    step "docker build $name"
    DOCKER_BUILDKIT=0 docker build --network host -t "$name:latest" -f "$file" "$CONTEXT" \
        | grep --line-buffered -E '^(Step |Successfully|Setting up |Unpacking )' \
        | awk '/^(Setting up|Unpacking) /{n++; if (n % 20) next} {print; fflush()}'
    [ "${PIPESTATUS[0]}" = 0 ] || die "docker build $name failed"
    image_exists "$name" || die "$name missing after build"
done

# Images replaced by a rebuild are left untagged: remove ours (never anyone else's).
docker image prune -f --filter dangling=true --filter label=codebeaker.image >/dev/null 2>&1 || true

step "done"
docker images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^  codebeaker-' || true
