#!/usr/bin/env bash
# The offline test world on this machine: an AWS emulator, a package mirror with AWS's
# bucket layout, and one systemd host (a podman container) reached by Ansible.
# Everything started here is taken down again on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=.venv/bin/python
state=$(mktemp -d /tmp/ecsa-demo.XXXXXX)
trap '"$python" -m tests.world down --state-dir "$state" >/dev/null; rm -rf "$state"' EXIT

field() { "$python" -c 'import json, sys; w = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, w))' "$state/world.json" "$1"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the world (host images are built once, then reused)"
"$python" -m tests.world up --state-dir "$state" --hosts bookworm --name-prefix ecsa-demo >/dev/null
host=$(field 'hosts[0]["name"]')
emulator=$(field 'servers["emulator"]["url"]')
emulator_for_hosts=$(field 'servers["emulator"]["host_url"]')
mirror_for_hosts=$(field 'servers["mirror"]["host_url"]')
echo "emulator: $emulator (hosts use $emulator_for_hosts); mirror for hosts: $mirror_for_hosts; host: $host"

step "The emulator answers AWS APIs (controller side)"
AWS_ENDPOINT_URL=$emulator AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 \
    "$python" -m tests.world.aws_call sts GetCallerIdentity

step "The host fetches the SSM agent from the mirror, as from s3://amazon-ssm-us-east-1, and checks it"
arch=$(podman exec "$host" dpkg --print-architecture)
podman exec "$host" sh -c "cd /tmp \
    && curl -fsSO $mirror_for_hosts/amazon-ssm-us-east-1/latest/debian_$arch/amazon-ssm-agent.deb \
    && curl -fsSO $mirror_for_hosts/amazon-ssm-us-east-1/latest/debian_$arch/amazon-ssm-agent.deb.sig \
    && curl -fsS $mirror_for_hosts/amazon-ssm-us-east-1/latest/debian_$arch/SHA256SUMS | grep ' amazon-ssm-agent.deb$' | sha256sum -c \
    && curl -fsS $mirror_for_hosts/mirror-key.asc | gpg --batch -q --import \
    && gpg --batch --verify amazon-ssm-agent.deb.sig amazon-ssm-agent.deb 2>&1 | grep 'Good signature' \
    && dpkg-deb --field amazon-ssm-agent.deb Package Version"

step "Ansible reaches the host over the podman connection"
ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-} .venv/bin/ansible -i "$state/inventory.yml" ecs_anywhere \
    -m ansible.builtin.setup -a 'filter=ansible_distribution*' 2>/dev/null | grep -E '"ansible_distribution(_release)?"|SUCCESS'

step "Taking the world down"
