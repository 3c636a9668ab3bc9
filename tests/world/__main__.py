"""Command line of the test world.

python -m tests.world up --state-dir DIR [--hosts bookworm,trixie] [--name-prefix ecsa-world] [--connection ssh|podman]
python -m tests.world down --state-dir DIR
python -m tests.world images            build (or confirm cached) every host image
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tests.world import images, world


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.world", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="build or reuse images, start hosts, the emulator and the package mirror")
    up.add_argument("--state-dir", type=Path, required=True)
    up.add_argument(
        "--hosts",
        default="bookworm,trixie",
        help=f"comma-separated SUITE or NAME=SUITE (suites: {', '.join(images.SUITES)})",
    )
    up.add_argument("--name-prefix", default="ecsa-world", help="host names are PREFIX-SUITE unless named")
    up.add_argument("--no-emulator", action="store_true", help="hosts and mirror only")
    up.add_argument("--agents-dir", type=Path, help="use these stand-in .debs instead of building them")
    up.add_argument(
        "--connection",
        choices=sorted(world.CONNECTIONS),
        default="ssh",
        help="how Ansible reaches the hosts: ssh (root, per-world key, pipelining) or podman (podman exec)",
    )

    down = commands.add_parser("down", help="stop and remove everything up started for this state directory")
    down.add_argument("--state-dir", type=Path, required=True)

    commands.add_parser("images", help="build the host images unless cached")

    args = parser.parse_args(argv)
    if args.command == "images":
        started = time.monotonic()
        result = world.ensure_images(set(images.SUITES), log=_log)
        print(json.dumps({"images": result, "seconds": round(time.monotonic() - started, 1)}, indent=2))
        return 0
    if args.command == "down":
        print(json.dumps(world.down(args.state_dir, log=_log), indent=2))
        return 0
    try:
        wanted = world.parse_hosts(args.hosts, args.name_prefix)
    except ValueError as error:
        parser.error(str(error))
    try:
        result = world.up(
            args.state_dir,
            wanted,
            emulator=not args.no_emulator,
            agents_dir=args.agents_dir,
            connection=args.connection,
            log=_log,
        )
    except Exception as error:
        _log(f"world: up failed: {error}")
        _log(f"world: run `python -m tests.world down --state-dir {args.state_dir}` to clean up")
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
