"""The built collection, installed the way users install it, works by FQCN and holds none of the test world.

A tarball from ``ansible-galaxy collection build`` is installed with ``ansible-galaxy
collection install`` into an empty collections path; every ansible command then sees only
that path (plus the amazon.aws / community.aws of the pip ``ansible`` package: Galaxy is not
reachable here, so the install runs ``--offline`` and resolves the dependencies against those).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())
PLAYBOOKS = sorted(p.stem for p in (REPO / "playbooks").glob("*.yml"))
# Anything ansible says about itself on stderr that a user would see as a problem.
NOISE = re.compile(r"\[(WARNING|DEPRECATION WARNING|ERROR)\]|deprecat", re.IGNORECASE)


def _user_env(collections_path: Path) -> dict:
    """A user's shell: none of the project's ANSIBLE_* settings, only the installed collections path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
            "ANSIBLE_NOCOLOR": "1",
        }
    )
    return env


def _run(command: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    process = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, f"{' '.join(command)} exited {process.returncode}\n{process.stderr}"
    assert not NOISE.search(process.stderr), f"{' '.join(command)} warned:\n{process.stderr}"
    return process


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (tarball,) = out.glob("onprem-ecs_anywhere-*.tar.gz")
    return tarball


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> tuple[Path, dict]:
    """(working directory, environment) of a user who installed only the tarball."""
    home = tmp_path_factory.mktemp("user")
    collections = home / "collections"
    env = _user_env(collections)
    _run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections), str(built)],
        env,
        home,
    )
    (home / "inventory.yml").write_text("ecs_anywhere:\n  hosts:\n    edge-01.example.com:\n")
    return home, env


def test_tarball_has_the_collection_and_no_test_code(built):
    with tarfile.open(built) as archive:
        names = archive.getnames()

    for expected in (
        "plugins/modules/instance_role.py",
        "plugins/modules/ssm_activation.py",
        "plugins/module_utils/arn.py",
        "roles/external_instance/tasks/main.yml",
        "roles/control_plane/meta/argument_specs.yml",
        "playbooks/site.yml",
        "meta/runtime.yml",
        "LICENSE",
        "requirements.txt",
        "tools/role_docs.py",
    ):
        assert expected in names
    test_world = [
        name
        for name in names
        if name.startswith(("tests/", "extensions/", "benchmarks/", ".venv/", ".build/"))
        or any(word in name for word in ("emulator", "molecule", "conftest", "__pycache__"))
    ]
    assert test_world == []


def test_install_puts_the_collection_in_the_clean_path(installed):
    home, env = installed
    tree = home / "collections" / "ansible_collections" / "onprem" / "ecs_anywhere"
    assert (tree / "MANIFEST.json").is_file()
    listed = _run([str(BIN / "ansible-doc"), "-l", "onprem.ecs_anywhere"], env, home).stdout
    assert sorted(re.findall(r"^onprem\.ecs_anywhere\.(\w+)", listed, re.MULTILINE)) == MODULES
    # The installed copy is the only one ansible sees (not the working tree, not ~/.ansible).
    found = _run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "onprem.ecs_anywhere", "--format", "json"], env, home
    ).stdout
    assert list(json.loads(found)) == [str(tree.parents[1])]


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders_every_module(installed, module):
    home, env = installed
    out = _run([str(BIN / "ansible-doc"), f"onprem.ecs_anywhere.{module}"], env, home).stdout
    assert f"onprem.ecs_anywhere.{module}" in out
    for section in ("OPTIONS", "EXAMPLES", "RETURN VALUES"):
        assert section in out, f"{module}: no {section} in ansible-doc's output"


@pytest.mark.parametrize("role", ROLES)
def test_ansible_doc_renders_every_role(installed, role):
    home, env = installed
    out = _run([str(BIN / "ansible-doc"), "-t", "role", f"onprem.ecs_anywhere.{role}"], env, home).stdout
    assert f"onprem.ecs_anywhere.{role}" in out
    assert "ecs_anywhere_region" in out


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbooks_run_by_fqcn(installed, playbook):
    home, env = installed
    out = _run(
        [str(BIN / "ansible-playbook"), "-i", "inventory.yml", f"onprem.ecs_anywhere.{playbook}", "--syntax-check"],
        env,
        home,
    ).stdout
    assert f"collections/ansible_collections/onprem/ecs_anywhere/playbooks/{playbook}.yml" in out


def test_execution_environment_definition_builds_a_context(built, tmp_path):
    """`ansible-builder create` accepts execution-environment.yml, and its galaxy stage installs offline."""
    (tmp_path / ".build" / "ee").mkdir(parents=True)
    shutil.copy(built, tmp_path / ".build" / "ee" / "onprem-ecs_anywhere.tar.gz")  # where `make ee` puts it
    shutil.copy(REPO / "execution-environment.yml", tmp_path)
    context = tmp_path / "context"
    process = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert "quay.io/ansible/awx-ee" in (context / "Containerfile").read_text()
    python = (context / "_build" / "requirements.txt").read_text()
    assert "boto3>=1.34.0" in python and "botocore>=1.34.0" in python
    wanted = yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]
    assert {c["name"] for c in wanted} >= {"amazon.aws", "community.aws"}

    # The image runs `ansible-galaxy collection install -r requirements.yml` after copying
    # _build/ to /build; the same here, with /build mapped to the context's _build.
    for collection in wanted:
        collection["name"] = collection["name"].replace("/build/", f"{context / '_build'}/")
    requirements = tmp_path / "requirements.yml"
    requirements.write_text(yaml.safe_dump({"collections": wanted}))
    collections = tmp_path / "collections"
    _run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "-p",
            str(collections),
            "-r",
            str(requirements),
        ],
        _user_env(collections),
        tmp_path,
    )
    assert (collections / "ansible_collections" / "onprem" / "ecs_anywhere" / "MANIFEST.json").is_file()


def test_builder_finds_the_collections_python_dependencies(installed):
    """What ansible-builder reads from the installed collection when it assembles any EE that holds it."""
    home, env = installed
    found = _run([str(BIN / "ansible-builder"), "introspect", str(home / "collections")], env, home).stdout
    assert "boto3>=1.34.0  # from collection onprem.ecs_anywhere" in found
    assert "botocore>=1.34.0  # from collection onprem.ecs_anywhere" in found
