"""Systemd host containers and the world's own network: start, wait for boot, measure, remove."""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import time
from pathlib import Path

from tests.world.podman import podman

LABEL = "ecsa-world.state-dir"


def _ulimit(which: int, wanted: int) -> str:
    # Raising a hard limit needs a capability this sandbox lacks, so stay at or below it.
    hard = resource.getrlimit(which)[1]
    value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    return f"{value}:{value}"


def network_name(state_dir: Path) -> str:
    """Each world has its own bridge: tearing one world down never touches another's network or servers."""
    return "ecsa-world-" + hashlib.sha256(str(state_dir).encode()).hexdigest()[:12]


def create_network(name: str, state_dir: Path) -> None:
    """A bridge with a subnet podman picks among the free ones; the hosts use the machine's DNS servers."""
    podman("network", "create", "--label", f"{LABEL}={state_dir}", "--disable-dns", name)


def labelled_networks(state_dir: Path) -> list[str]:
    out = podman("network", "ls", "--filter", f"label={LABEL}={state_dir}", "--format", "{{.Name}}", capture=True)
    return out.split()


def remove_networks(*names: str) -> None:
    for name in names:
        podman("network", "rm", "--force", name, check=False)


def network_info(network: str) -> dict:
    """The bridge's subnet and gateway: the gateway is how a host reaches the controller's servers."""
    info = json.loads(podman("network", "inspect", network, capture=True))
    return info[0]["subnets"][0]


def address(name: str, network: str) -> str:
    """The host's address on the world's network (the controller reaches it there directly)."""
    info = json.loads(podman("inspect", "--format", "{{json .NetworkSettings.Networks}}", name, capture=True))
    return info[network]["IPAddress"]


def install_authorized_key(name: str, public_key: str) -> None:
    podman(
        "exec",
        "--interactive",
        name,
        "sh",
        "-c",
        "umask 077 && mkdir -p /root/.ssh && cat > /root/.ssh/authorized_keys",
        stdin_text=public_key,
    )


def start(name: str, image: str, state_dir: Path, *, network: str) -> None:
    podman(
        "run",
        "--detach",
        "--name",
        name,
        "--hostname",
        name,
        "--label",
        f"{LABEL}={state_dir}",
        "--network",
        network,
        "--privileged",
        "--systemd=always",
        "--ulimit",
        f"nofile={_ulimit(resource.RLIMIT_NOFILE, 4096)}",
        "--ulimit",
        f"nproc={_ulimit(resource.RLIMIT_NPROC, 4096)}",
        image,
        "/sbin/init",
    )


def wait_booted(name: str, timeout: float = 180) -> str:
    """Wait until systemd has finished booting; returns its state (running or degraded).

    Two hosts took 56 s to boot on a 2-core machine at load 17; the timeout leaves room for that.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(
            ["podman", "exec", name, "systemctl", "is-system-running"],
            check=False,
            capture_output=True,
            text=True,
        )
        state = result.stdout.strip() or result.stderr.strip()[-200:]
        if state in ("running", "degraded"):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"host {name} did not finish booting in {timeout:.0f} s (systemd or podman: {state or 'no answer'})"
            )
        time.sleep(0.5)


def can_reach(name: str, url: str) -> bool:
    result = subprocess.run(
        ["podman", "exec", name, *curl_probe(url)],
        check=False,
    )
    return result.returncode == 0


def curl_probe(url: str) -> list[str]:
    return ["curl", "--silent", "--fail", "--max-time", "5", "--output", "/dev/null", url]


def labelled(state_dir: Path) -> list[str]:
    """Every container (running or not) started for this state directory."""
    out = podman("ps", "--all", "--filter", f"label={LABEL}={state_dir}", "--format", "{{.Names}}", capture=True)
    return out.split()


def memory_bytes(name: str) -> dict[str, int]:
    """The container cgroup's peak memory use (page cache included) and its current RSS, where readable."""
    cgroup = podman("inspect", "--format", "{{.State.CgroupPath}}", name, capture=True, check=False).strip()
    if not cgroup:
        return {}
    v1, v2 = Path(f"/sys/fs/cgroup/memory{cgroup}"), Path(f"/sys/fs/cgroup{cgroup}")
    if (v1 / "memory.max_usage_in_bytes").exists():
        stat = dict(line.split() for line in (v1 / "memory.stat").read_text().splitlines())
        return {"peak": int((v1 / "memory.max_usage_in_bytes").read_text()), "rss": int(stat.get("total_rss", 0))}
    if (v2 / "memory.peak").exists():
        stat = dict(line.split() for line in (v2 / "memory.stat").read_text().splitlines())
        return {"peak": int((v2 / "memory.peak").read_text()), "rss": int(stat.get("anon", 0))}
    return {}


def remove(*names: str) -> None:
    """Remove at once: hosts are throwaway, a clean shutdown would only cost time."""
    if names:
        podman("rm", "--force", "--volumes", "--time", "0", *names, check=False)
