"""python -m tests.emulator --host 127.0.0.1 --port 0 [--host GATEWAY] [--ping-timeout S] [--faults FILE] [--quiet]
[--strict] [--instance-name tag|default] [--unknown-instance-id empty|error] [--list-filter-max-length N|none]
[--read-lag-seconds S] [--short-pages RATE] [--short-pages-seed N|none] [--managed-instance-limit N|none]
[--task-start-seconds S]"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from tests.emulator.server import EmulatorApp, check_bind_address, start_servers, warm_up
from tests.emulator.switches import START_VALUES, STRICT, SwitchError, Switches


def _whole_or_none(text: str) -> int | None:
    return None if text.lower() == "none" else int(text)


# One option per switch (and the task start time); given ones win over --strict.
SWITCH_OPTIONS = {
    "instance_name": {"choices": ["tag", "default"], "help": "DescribeInstanceInformation's Name: Name tag or default"},
    "unknown_instance_id": {"choices": ["empty", "error"], "help": "an unknown id in an InstanceIds filter"},
    "list_filter_max_length": {"type": _whole_or_none, "help": "longest ListContainerInstances filter, or none"},
    "read_lag_seconds": {"type": float, "help": "seconds reads lag creation and deregistration"},
    "short_pages": {"type": float, "help": "share of list reads answered with a short page (0..1)"},
    "short_pages_seed": {"type": _whole_or_none, "help": "seed of the short-page draws"},
    "managed_instance_limit": {"type": _whole_or_none, "help": "managed instances per account and region, or none"},
    "task_start_seconds": {"type": float, "help": "seconds a placed service task stays PENDING (default 1)"},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="AWS emulator for ECS Anywhere tests")
    parser.add_argument("--host", action="append", help="address to serve on; repeatable (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--ping-timeout", type=float, default=60.0, help="seconds without a heartbeat until offline")
    parser.add_argument("--faults", help="JSON file with a fault spec to start with")
    parser.add_argument("--quiet", action="store_true", help="no request line per AWS call on stderr")
    parser.add_argument("--strict", action="store_true", help="start every switch at its strict choice")
    for key, options in SWITCH_OPTIONS.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=key, default=argparse.SUPPRESS, **options)
    args = parser.parse_args(argv)
    args.switches = {**(STRICT if args.strict else START_VALUES)}
    args.switches.update({key: getattr(args, key) for key in SWITCH_OPTIONS if hasattr(args, key)})
    try:
        Switches({**args.switches, "ping_timeout": args.ping_timeout})
    except SwitchError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    hosts = args.host or ["127.0.0.1"]
    for host in hosts:
        check_bind_address(host)
    # One stderr line per request is noise in test output; the call log holds every call.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = EmulatorApp(ping_timeout=args.ping_timeout, switches=args.switches)
    app.call_log.log_requests = not args.quiet
    if args.faults:
        with open(args.faults, encoding="utf-8") as handle:
            app.faults.set(json.load(handle))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    servers = start_servers(app, hosts, args.port)
    port = servers[0].server_address[1]
    print(f"EMULATOR_URL=http://{hosts[0]}:{port}", flush=True)
    threading.Thread(target=warm_up, name="emulator-warm-up", daemon=True).start()
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Nothing is left to save; skipping the interpreter's teardown of moto's module graph saves ~1 s.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
