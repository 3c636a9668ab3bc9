import subprocess
from pathlib import Path

import pytest


def make_deb(directory: Path, package: str, version: str, arch: str = "amd64", payload: str = "x") -> Path:
    root = directory / f"{package}-{version}-src"
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
    out = tmp_path / "debs"
    out.mkdir()
    return [make_deb(out, "amazon-ssm-agent", "3.3.0.0"), make_deb(out, "amazon-ecs-init", "1.89.2-1")]
