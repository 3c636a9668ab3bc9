#!/usr/bin/env bash
# Runs every molecule scenario of the collection (extensions/molecule/<name>/molecule.yml),
# or those named as arguments. Each scenario creates and destroys its own test world
# (tests/world); host images are built on first use and then reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
    for f in extensions/molecule/*/molecule.yml; do
        [ -e "$f" ] || continue
        scenarios+=("$(basename "$(dirname "$f")")")
    done
fi
if [ ${#scenarios[@]} -eq 0 ]; then
    echo "molecule: no scenarios yet"
    exit 0
fi
for s in "${scenarios[@]}"; do
    echo "=== molecule scenario: $s"
    started=$SECONDS
    molecule test -s "$s"
    echo "=== molecule scenario $s passed in $((SECONDS - started)) s"
done
