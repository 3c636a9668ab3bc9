"""Samples every process's command line on a test host and keeps those naming the SSM agent.

Runs as a transient systemd unit from before the scenario's first run until converge stops it
after its last (SIGTERM): no timeout of its own, so it cannot end before the runs do. Writes
/run/reliability/cmdlines.json: {"started_at", "stopped_at" (wall-clock seconds; stopped_at
only once it was stopped), "samples", "interval", "max_gap" (longest time between two samples),
"seen": {cmdline: [first, last]}} (seconds since the start). The file holds what `ps` showed,
codes included, so the secret scan leaves /run/reliability out and judges it separately.
"""

import json
import os
import signal
import sys
import time

OUT = "/run/reliability/cmdlines.json"
INTERVAL = 0.01


def sample() -> list[str]:
    lines = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                line = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if line and "sampler" not in line:
            lines.append(line)
    return lines


def write(record: dict) -> None:
    with open(OUT + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(OUT + ".tmp", OUT)


def main() -> int:
    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(True))
    os.makedirs(os.path.dirname(OUT), mode=0o700, exist_ok=True)
    record = {"started_at": time.time(), "samples": 0, "interval": INTERVAL, "max_gap": 0.0, "seen": {}}
    start = time.monotonic()
    previous = last_write = 0.0
    while not stop_requested:
        now = time.monotonic() - start
        record["max_gap"] = max(record["max_gap"], now - previous) if record["samples"] else 0.0
        previous = now
        changed = False
        for line in sample():
            if "amazon-ssm-agent" in line or "-code" in line:
                changed = changed or line not in record["seen"]
                record["seen"].setdefault(line, [now, now])[1] = now
        record["samples"] += 1
        if changed or now - last_write > 0.5:
            write(record)
            last_write = now
        time.sleep(INTERVAL)
    record["stopped_at"] = time.time()
    write(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
