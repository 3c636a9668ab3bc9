#!/usr/bin/env bash
# make demo: the whole flow on one test host, against the local AWS emulator and package
# mirror (tests/world), exactly as a user runs it against AWS: site.yml registers the host,
# a re-run changes nothing, deregister.yml takes it out. Everything started here is taken
# down again on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=.venv/bin/python
state=$(mktemp -d /tmp/ecsa-demo.XXXXXX)
trap '"$python" -m tests.world down --state-dir "$state" >/dev/null; rm -rf "$state"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the test world: AWS emulator, package mirror, one Debian host (images are built once, then reused)"
"$python" -m tests.world up --state-dir "$state" --hosts bookworm --name-prefix ecsa-demo >/dev/null
# The inventory a user would write, plus the knobs that point the collection at the test world.
mkdir -p "$state/inventory"
cp "$state/inventory.yml" "$state/inventory/hosts.yml"
ln -s "$PWD/extensions/molecule/shared/group_vars" "$state/inventory/group_vars"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_NOCOLOR=1
emulator=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["servers"]["emulator"]["url"])' "$state/world.json")

calls() {
    "$python" - "$emulator" <<'PY'
import collections, json, sys, urllib.request
calls = [c for c in json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/calls"))["calls"] if not c["agent"]]
writes = collections.Counter(c["operation"] for c in calls if c["write"])
reads = collections.Counter(c["operation"] for c in calls if not c["write"])
print(f"AWS calls from the controller: {len(calls)} ({sum(writes.values())} writes {dict(writes)}, reads {dict(reads)})")
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_emulator/calls", method="DELETE"))
PY
}

step "ansible-playbook playbooks/site.yml   (first run: registers the host with SSM and ECS)"
.venv/bin/ansible-playbook -i "$state/inventory" playbooks/site.yml
calls

step "ansible-playbook playbooks/site.yml   (again: nothing to do, nothing written in AWS)"
.venv/bin/ansible-playbook -i "$state/inventory" playbooks/site.yml | sed -n '/PLAY RECAP/,$p'
calls

step "ansible-playbook playbooks/deregister.yml   (drained, deregistered from ECS and SSM, agents stopped)"
.venv/bin/ansible-playbook -i "$state/inventory" playbooks/deregister.yml | sed -n '/PLAY RECAP/,$p'
calls

step "Taking the test world down"
