#!/usr/bin/env bash
# Installs the host packages the test world needs (podman with runc,
# debootstrap, dpkg-deb, gpg, the ssh client), from Debian, when they are missing.
set -euo pipefail
missing=()
for pair in podman:podman runc:runc debootstrap:debootstrap dpkg-deb:dpkg-dev gpg:gnupg ssh:openssh-client; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "host-packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "host-packages: missing ${missing[*]}." >&2
    echo "Install them as root, e.g. 'sudo apt-get install ${missing[*]}', then run make again." >&2
    exit 1
fi
