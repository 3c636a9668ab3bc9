"""The built collection holds what users need and none of the test world."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_GALAXY = Path(sys.executable).parent / "ansible-galaxy"


def test_tarball_has_the_collection_and_no_test_code(tmp_path):
    subprocess.run(
        [str(ANSIBLE_GALAXY), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (tarball,) = tmp_path.glob("onprem-ecs_anywhere-*.tar.gz")
    with tarfile.open(tarball) as archive:
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
    ):
        assert expected in names
    test_world = [
        name
        for name in names
        if name.startswith(("tests/", "extensions/", "benchmarks/", ".venv/", ".build/"))
        or any(word in name for word in ("emulator", "molecule", "conftest", "__pycache__"))
    ]
    assert test_world == []
