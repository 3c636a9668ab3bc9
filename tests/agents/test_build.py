"""The packages as dpkg sees them: real names, paths, units, maintainer scripts; reproducible bytes."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def build(outdir: Path, *args: str) -> list[Path]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.agents.build", str(outdir), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(line) for line in result.stdout.split()]


def dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("debs")
    paths = build(outdir, "--arch", "amd64")
    return {path.name.split("_")[0]: path for path in paths}


def test_build_prints_both_package_paths_named_like_debian_packages(packages):
    assert sorted(packages) == ["amazon-ecs-init", "amazon-ssm-agent"]
    assert packages["amazon-ssm-agent"].name == "amazon-ssm-agent_3.3.1142.0_amd64.deb"
    assert packages["amazon-ecs-init"].name == "amazon-ecs-init_1.89.2-1_amd64.deb"
    assert all(path.is_file() for path in packages.values())


def test_ssm_agent_package_has_the_real_layout(packages):
    deb = str(packages["amazon-ssm-agent"])
    assert dpkg_deb("--field", deb, "Package", "Architecture").split() == [
        "Package:",
        "amazon-ssm-agent",
        "Architecture:",
        "amd64",
    ]
    contents = dpkg_deb("--contents", deb)
    for path in (
        "./usr/bin/amazon-ssm-agent",
        "./lib/systemd/system/amazon-ssm-agent.service",
        "./etc/amazon/ssm/amazon-ssm-agent.json.template",
        "./etc/amazon/ssm/seelog.xml.template",
    ):
        assert path in contents
    binary = next(line for line in contents.splitlines() if line.endswith("./usr/bin/amazon-ssm-agent"))
    assert binary.startswith("-rwxr-xr-x root/root")
    info = dpkg_deb("--info", deb)
    assert "postinst" in info
    assert "prerm" in info
    postinst = dpkg_deb("--info", deb, "postinst")
    assert "systemctl enable amazon-ssm-agent" in postinst
    assert "systemctl start amazon-ssm-agent" in postinst
    assert "/etc/amazon/ssm/amazon-ssm-agent.json.template" in dpkg_deb("--info", deb, "conffiles")


def test_ecs_init_package_has_the_real_layout(packages):
    deb = str(packages["amazon-ecs-init"])
    contents = dpkg_deb("--contents", deb)
    for path in (
        "./usr/libexec/amazon-ecs-init",
        "./lib/systemd/system/ecs.service",
        "./var/lib/ecs/data/",
        "./etc/ecs/",
    ):
        assert path in contents
    info = dpkg_deb("--info", deb)
    for script in ("postinst", "prerm", "postrm"):
        assert script in info
    # ecs.config is the user's file: the package must not ship one that an upgrade could replace.
    assert "./etc/ecs/ecs.config" not in contents


def extract(deb: Path, target: Path) -> Path:
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(target)], check=True)
    return target


def test_units_run_the_packaged_binaries_with_the_real_knobs(packages, tmp_path):
    ssm = extract(packages["amazon-ssm-agent"], tmp_path / "ssm")
    unit = (ssm / "lib/systemd/system/amazon-ssm-agent.service").read_text()
    assert "ExecStart=/usr/bin/amazon-ssm-agent\n" in unit
    assert "Restart=always" in unit
    assert "WantedBy=multi-user.target" in unit

    ecs = extract(packages["amazon-ecs-init"], tmp_path / "ecs")
    unit = (ecs / "lib/systemd/system/ecs.service").read_text()
    assert "EnvironmentFile=-/etc/ecs/ecs.config" in unit
    assert "ExecStart=/usr/libexec/amazon-ecs-init start" in unit
    assert "ExecStartPre=/usr/libexec/amazon-ecs-init pre-start" in unit
    assert "Requires=docker.service" in unit
    assert "RestartPreventExitStatus=5" in unit


def test_packaged_binaries_run_with_python3(packages, tmp_path):
    root = extract(packages["amazon-ssm-agent"], tmp_path / "ssm")
    binary = root / "usr/bin/amazon-ssm-agent"
    assert binary.read_bytes().startswith(b"#!/usr/bin/python3\n")
    result = subprocess.run([sys.executable, str(binary), "-version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "SSM Agent version: 3.3.1142.0"

    root = extract(packages["amazon-ecs-init"], tmp_path / "ecs")
    result = subprocess.run(
        [sys.executable, str(root / "usr/libexec/amazon-ecs-init"), "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "amazon-ecs-init 1.89.2"


def test_building_twice_gives_identical_bytes(packages, tmp_path):
    again = {path.name.split("_")[0]: path for path in build(tmp_path, "--arch", "amd64")}
    for name, path in packages.items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_arch_option_names_and_marks_arm64(tmp_path):
    paths = build(tmp_path, "--arch", "arm64")
    assert sorted(path.name for path in paths) == [
        "amazon-ecs-init_1.89.2-1_arm64.deb",
        "amazon-ssm-agent_3.3.1142.0_arm64.deb",
    ]
    assert dpkg_deb("--field", str(paths[0]), "Architecture").strip() == "arm64"
