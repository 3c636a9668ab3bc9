#!/usr/bin/env bash
# Runs every molecule scenario of the collection (extensions/molecule/<name>/molecule.yml).
set -euo pipefail
cd "$(dirname "$0")/../.."
scenarios=()
for f in extensions/molecule/*/molecule.yml; do
    [ -e "$f" ] || continue
    scenarios+=("$(basename "$(dirname "$f")")")
done
if [ ${#scenarios[@]} -eq 0 ]; then
    echo "molecule: no scenarios yet"
    exit 0
fi
for s in "${scenarios[@]}"; do
    echo "=== molecule scenario: $s"
    molecule test -s "$s"
done
