"""Build the stand-in agent packages: python -m tests.agents.build OUTDIR [--arch amd64|arm64].

Writes every version of both packages, OUTDIR/amazon-ssm-agent_<ver>_<arch>.deb and
OUTDIR/amazon-ecs-init_<ver>_<arch>.deb, and prints their paths, one a line.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from .debian_package import PackageSpec, build_deb
from .executable import build_executable

PACKAGING = Path(__file__).with_name("packaging")
ARCHES = ("amd64", "arm64")
# Debian versions, oldest first: two of each, for upgrades and downgrades. AWS's own SSM agent
# deb says 3.3.1142.0-1; the stand-in's version is the agent's, without a revision.
SSM_AGENT_VERSIONS = ("3.3.1142.0", "3.3.1611.0")
# ecs-init 1.90.0-1 carries ECS agent 1.90.0.
ECS_INIT_VERSIONS = ("1.89.2-1", "1.90.0-1")


def ssm_agent_spec(version: str) -> PackageSpec:
    source = PACKAGING / "amazon-ssm-agent"
    return PackageSpec(
        name="amazon-ssm-agent",
        version=version,
        source_dir=source,
        files={
            "/usr/bin/amazon-ssm-agent": (build_executable("ssm_agent", version), 0o755),
            "/lib/systemd/system/amazon-ssm-agent.service": ((source / "amazon-ssm-agent.service").read_bytes(), 0o644),
            "/etc/amazon/ssm/amazon-ssm-agent.json.template": (
                (source / "amazon-ssm-agent.json.template").read_bytes(),
                0o644,
            ),
            "/etc/amazon/ssm/seelog.xml.template": ((source / "seelog.xml.template").read_bytes(), 0o644),
        },
        directories=["/var/lib/amazon/ssm", "/var/log/amazon/ssm"],
        maintainer_scripts=("postinst", "prerm"),
    )


def ecs_init_spec(version: str) -> PackageSpec:
    source = PACKAGING / "amazon-ecs-init"
    return PackageSpec(
        name="amazon-ecs-init",
        version=version,
        source_dir=source,
        files={
            "/usr/libexec/amazon-ecs-init": (build_executable("ecs_init", version), 0o755),
            "/lib/systemd/system/ecs.service": ((source / "ecs.service").read_bytes(), 0o644),
        },
        directories=["/etc/ecs", "/var/lib/ecs/data", "/var/log/ecs", "/var/cache/ecs"],
        maintainer_scripts=("postinst", "prerm", "postrm"),
    )


def package_specs() -> list[PackageSpec]:
    return [ssm_agent_spec(v) for v in SSM_AGENT_VERSIONS] + [ecs_init_spec(v) for v in ECS_INIT_VERSIONS]


def host_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()


def build_all(outdir: Path, arch: str) -> list[Path]:
    return [build_deb(spec, arch, outdir) for spec in package_specs()]


def build_by_version(outdir: Path, arch: str) -> dict[tuple[str, str], Path]:
    """(package, Debian version) -> .deb, for tests that install one version over another."""
    return {(spec.name, spec.version): build_deb(spec, arch, outdir) for spec in package_specs()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.agents.build", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--arch", choices=ARCHES, help="default: dpkg --print-architecture")
    args = parser.parse_args(argv)
    for path in build_all(args.outdir, args.arch or host_arch()):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
