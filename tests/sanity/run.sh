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
# The collection's dependencies, beside it, as ansible-test expects them.
site="$(python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')"
for dep in amazon/aws community/aws; do
    mkdir -p "$work/ansible_collections/$(dirname "$dep")"
    cp -r "$site/$dep" "$work/ansible_collections/$dep"
done
cd "$tree"
# ansible-test's own --venv mode downloads pip from a host this machine can't
# reach, so its requirements go into a virtualenv of our own, reused between runs.
sanity_venv="$root/.build/sanity-venv"
core_version="$(python -c 'import ansible; print(ansible.__version__)')"
if [ ! -x "$sanity_venv/bin/ansible-test" ] || [ "$("$sanity_venv/bin/python" -c 'import ansible; print(ansible.__version__)')" != "$core_version" ]; then
    python -m venv --clear "$sanity_venv"
    "$sanity_venv/bin/pip" install --quiet --upgrade pip
    "$sanity_venv/bin/pip" install --quiet "ansible-core==$core_version"
fi
pip_version="$(grep -ohP "pip='\K[0-9.]+" "$sanity_venv"/lib/python*/site-packages/ansible_test/_internal/python_requirements.py | head -1)"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cp "$root/tests/sanity/get_pip.py" "$cache/get_pip_${pip_version//./_}.py"
python_version="$("$sanity_venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
PATH="$sanity_venv/bin:$PATH" ansible-test sanity --local --requirements --python "$python_version" --color no "$@"
