import subprocess
from pathlib import Path

import pytest

from tests.agents.build import build_all

# Two versions of each package, as tests/agents builds them: [SSM old, SSM new, ecs-init old, ecs-init new].
AGENT_VERSIONS = (("amazon-ssm-agent", "3.3.1142.0"), ("amazon-ssm-agent", "3.3.1611.0"))
AGENT_VERSIONS += (("amazon-ecs-init", "1.89.2-1"), ("amazon-ecs-init", "1.90.0-1"))


def make_deb(directory: Path, package: str, version: str, arch: str = "amd64", payload: str = "x") -> Path:
    root = directory / f"{package}-{version}-{arch}-src"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text(
        f"Package: {package}\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: test <test@example.invalid>\nDescription: test package\n"
    )
    (root / "usr/share/doc" / package).mkdir(parents=True)
    (root / "usr/share/doc" / package / "payload").write_text(payload)
    deb = directory / f"{package}_{version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(root), str(deb)], check=True, capture_output=True)
    return deb


@pytest.fixture
def agent_debs(tmp_path):
    """Small packages with the stand-ins' names and versions (AGENT_VERSIONS order), each its own payload."""
    out = tmp_path / "debs"
    out.mkdir()
    return [make_deb(out, package, version, payload=f"{package} {version}") for package, version in AGENT_VERSIONS]


@pytest.fixture(scope="session")
def standin_debs(tmp_path_factory):
    """The stand-in agents themselves (tests/agents/build.py), amd64, every version."""
    return build_all(tmp_path_factory.mktemp("standin-debs"), "amd64")
