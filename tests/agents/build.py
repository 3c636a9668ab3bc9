"""Build the stand-in agent packages: python -m tests.agents.build OUTDIR [--arch amd64|arm64].

Writes OUTDIR/amazon-ssm-agent_<ver>_<arch>.deb and OUTDIR/amazon-ecs-init_<ver>_<arch>.deb
and prints their paths, one a line.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from .debian_package import PackageSpec, build_deb
from .executable import build_executable
from .runtime.ecs_init import VERSION as ECS_INIT_VERSION
from .runtime.ssm_agent import VERSION as SSM_AGENT_VERSION

PACKAGING = Path(__file__).with_name("packaging")
ARCHES = ("amd64", "arm64")
SSM_PACKAGE_VERSION = SSM_AGENT_VERSION
ECS_PACKAGE_VERSION = f"{ECS_INIT_VERSION}-1"


def ssm_agent_spec() -> PackageSpec:
    source = PACKAGING / "amazon-ssm-agent"
    return PackageSpec(
        name="amazon-ssm-agent",
        version=SSM_PACKAGE_VERSION,
        source_dir=source,
        files={
            "/usr/bin/amazon-ssm-agent": (build_executable("ssm_agent"), 0o755),
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


def ecs_init_spec() -> PackageSpec:
    source = PACKAGING / "amazon-ecs-init"
    return PackageSpec(
        name="amazon-ecs-init",
        version=ECS_PACKAGE_VERSION,
        source_dir=source,
        files={
            "/usr/libexec/amazon-ecs-init": (build_executable("ecs_init"), 0o755),
            "/lib/systemd/system/ecs.service": ((source / "ecs.service").read_bytes(), 0o644),
        },
        directories=["/etc/ecs", "/var/lib/ecs/data", "/var/log/ecs", "/var/cache/ecs"],
        maintainer_scripts=("postinst", "prerm", "postrm"),
    )


def host_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()


def build_all(outdir: Path, arch: str) -> list[Path]:
    return [build_deb(spec, arch, outdir) for spec in (ssm_agent_spec(), ecs_init_spec())]


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
