"""The packages as dpkg sees them: two versions of each, real names, paths, units, maintainer scripts; reproducible bytes."""

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


SSM_OLD, SSM_NEW = "3.3.1142.0", "3.3.1611.0"
ECS_OLD, ECS_NEW = "1.89.2-1", "1.90.0-1"
# package -> (its executable in the package, the flag that prints its version)
BINARIES = {
    "amazon-ssm-agent": ("usr/bin/amazon-ssm-agent", "-version"),
    "amazon-ecs-init": ("usr/libexec/amazon-ecs-init", "version"),
}


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    return build(tmp_path_factory.mktemp("debs"), "--arch", "amd64")


@pytest.fixture(scope="module")
def every_version(printed):
    """(package, Debian version) -> .deb"""
    return {tuple(path.name.split("_")[:2]): path for path in printed}


@pytest.fixture(scope="module")
def packages(every_version):
    """package -> the newest .deb (what an unpinned install gets)"""
    return {
        "amazon-ssm-agent": every_version["amazon-ssm-agent", SSM_NEW],
        "amazon-ecs-init": every_version["amazon-ecs-init", ECS_NEW],
    }


def test_build_prints_two_versions_of_each_package_named_like_debian_packages(printed):
    assert [path.name for path in printed] == [
        f"amazon-ssm-agent_{SSM_OLD}_amd64.deb",
        f"amazon-ssm-agent_{SSM_NEW}_amd64.deb",
        f"amazon-ecs-init_{ECS_OLD}_amd64.deb",
        f"amazon-ecs-init_{ECS_NEW}_amd64.deb",
    ]
    assert all(path.is_file() for path in printed)


def test_each_package_says_its_own_version_to_dpkg(every_version):
    for (name, version), deb in every_version.items():
        assert dpkg_deb("--field", str(deb), "Package", "Version").split() == ["Package:", name, "Version:", version]


@pytest.mark.parametrize(
    ("package", "version", "expected"),
    [
        ("amazon-ssm-agent", SSM_OLD, "SSM Agent version: 3.3.1142.0"),
        ("amazon-ssm-agent", SSM_NEW, "SSM Agent version: 3.3.1611.0"),
        ("amazon-ecs-init", ECS_OLD, "amazon-ecs-init 1.89.2"),
        ("amazon-ecs-init", ECS_NEW, "amazon-ecs-init 1.90.0"),
    ],
)
def test_each_packaged_binary_reports_its_packages_version(every_version, tmp_path, package, version, expected):
    root = extract(every_version[package, version], tmp_path / "root")
    binary, flag = BINARIES[package]
    result = subprocess.run([sys.executable, str(root / binary), flag], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected


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
    # On upgrade or downgrade the new agent replaces the old one, as the real package restarts it.
    assert "systemctl restart amazon-ssm-agent" in postinst
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
    # As the real package: never started or restarted by dpkg; stopped only when removed.
    postinst = dpkg_deb("--info", deb, "postinst")
    assert "systemctl start" not in postinst
    assert "systemctl restart" not in postinst
    assert '"$1" = remove' in dpkg_deb("--info", deb, "prerm")


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
    for package, (binary, _) in BINARIES.items():
        root = extract(packages[package], tmp_path / package)
        assert (root / binary).read_bytes().startswith(b"#!/usr/bin/python3\n")


def test_building_twice_gives_identical_bytes(printed, tmp_path):
    again = build(tmp_path, "--arch", "amd64")
    assert [path.name for path in again] == [path.name for path in printed]
    for first, second in zip(printed, again, strict=True):
        assert second.read_bytes() == first.read_bytes(), first.name


def test_arch_option_names_and_marks_arm64(tmp_path):
    paths = build(tmp_path, "--arch", "arm64")
    assert sorted(path.name for path in paths) == [
        f"amazon-ecs-init_{ECS_OLD}_arm64.deb",
        f"amazon-ecs-init_{ECS_NEW}_arm64.deb",
        f"amazon-ssm-agent_{SSM_OLD}_arm64.deb",
        f"amazon-ssm-agent_{SSM_NEW}_arm64.deb",
    ]
    assert {dpkg_deb("--field", str(path), "Architecture").strip() for path in paths} == {"arm64"}
