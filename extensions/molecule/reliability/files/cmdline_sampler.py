"""Samples every process's command line on a test host and keeps those naming the SSM agent.

Runs as a transient systemd unit during the scenario's first registration; writes
/run/reliability/cmdlines.json: {"samples": N, "interval": S, "seen": {cmdline: [first, last]}}
(times in seconds since the sampler started). The file holds what `ps` showed, codes included,
so the secret scan leaves /run/reliability out and judges it separately.
"""

import json
import os
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


def main() -> int:
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 900
    os.makedirs(os.path.dirname(OUT), mode=0o700, exist_ok=True)
    start = time.monotonic()
    seen: dict[str, list[float]] = {}
    samples = 0
    last_write = 0.0
    while time.monotonic() - start < duration:
        now = time.monotonic() - start
        changed = False
        for line in sample():
            if "amazon-ssm-agent" in line or "-code" in line:
                changed = changed or line not in seen
                seen.setdefault(line, [now, now])[1] = now
        samples += 1
        if changed or now - last_write > 0.5:
            with open(OUT + ".tmp", "w", encoding="utf-8") as handle:
                json.dump({"samples": samples, "interval": INTERVAL, "seen": seen}, handle)
            os.replace(OUT + ".tmp", OUT)
            last_write = now
        time.sleep(INTERVAL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
