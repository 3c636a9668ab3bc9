#!/usr/bin/env bash
# ansible-test sanity on exactly what users get: the built collection,
# unpacked into a temporary ansible_collections/onprem/ecs_anywhere tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ansible-galaxy collection build --force --output-path "$work" "$root" >/dev/null
tree="$work/ansible_collections/onprem/ecs_anywhere"
mkdir -p "$tree"
tar -xzf "$work"/onprem-ecs_anywhere-*.tar.gz -C "$tree"
# Sanity ignore files are test data, not shipped; bring them along.
mkdir -p "$tree/tests/sanity"
cp "$root"/tests/sanity/ignore-*.txt "$tree/tests/sanity/" 2>/dev/null || true
cd "$tree"
python_version="$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
ansible-test sanity --venv --requirements --python "$python_version" --color no "$@"
