#!/bin/sh
# Shared by every image: a non-root `sandbox` user (uid 1000) and /workspace owned by it.
# Sessions normally run as the host-chosen uid:gid (see Drivers/docker); uid 1000 is the image default.
set -eu
groupadd --gid 1000 sandbox
useradd --uid 1000 --gid 1000 --home-dir /home/sandbox --create-home --shell /bin/sh sandbox
mkdir -p /workspace
chown sandbox:sandbox /workspace
chmod 0777 /workspace
