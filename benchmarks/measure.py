"""Run one ansible-playbook as a user would and measure it: wall time, the controller's peak memory,
task timings and changed counts (callback_plugins/bench_stats.py), and the AWS calls it caused."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.calls import CallSummary, summarize

REPO = Path(__file__).resolve().parents[1]
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


@dataclass
class Run:
    label: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    changed_tasks: int
    failed_hosts: int
    calls: CallSummary
    tasks: list[dict] = field(default_factory=list)

    @property
    def downloads(self) -> int:
        """Files fetched by get_url on the hosts (agent packages, signatures, checksum lists)."""
        return sum(task["ran"] for task in self.tasks if task.get("action", "").endswith("get_url"))

    def slowest_tasks(self, count: int = 5) -> list[dict]:
        return sorted(self.tasks, key=lambda task: task["seconds"], reverse=True)[:count]


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            # BENCH_COLLECTIONS_PATH: measure another checkout of the collection (default: this one, as make links it).
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("BENCH_COLLECTIONS_PATH", str(REPO / ".build" / "collections")),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_stats",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "AWS_ACCESS_KEY_ID": "AKIABENCHMARKEXAMPLE",
            # Modules mask their secret key wherever it appears in results: never a word that could be a name.
            "AWS_SECRET_ACCESS_KEY": "bEnChMaRkSeCrEtKeYwHiChNoNaMeCoNtAiNs0000",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    env.update(extra or {})
    return env


def collection_playbook(relative: str) -> str:
    """A playbook of the collection measured: BENCH_COLLECTIONS_PATH's copy when it has one (the playbooks
    and the roles they name from the same checkout), else this checkout's (ansible-playbook runs here)."""
    other = os.environ.get("BENCH_COLLECTIONS_PATH")
    if other:
        candidate = Path(other) / "ansible_collections" / "onprem" / "ecs_anywhere" / relative
        if candidate.is_file():
            return str(candidate)
    return relative


def run_playbook(label: str, args: list[str], emulator, log_dir: Path, env: dict[str, str] | None = None) -> Run:
    """ansible-playbook ARGS, after clearing the emulator's call log; the log then holds this run's calls only."""
    emulator.clear_calls()
    log_dir.mkdir(parents=True, exist_ok=True)
    stats_file = tempfile.NamedTemporaryFile(prefix="bench-stats-", suffix=".json", delete=False)
    stats_file.close()
    log_path = log_dir / f"{label}.log"
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            ["ansible-playbook", *args],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=ansible_env({"BENCH_STATS_FILE": stats_file.name, **(env or {})}),
        )
        # wait4: the rusage of ansible-playbook and every worker it forked and reaped; ru_maxrss is
        # the peak resident set of the largest of them (the controller process), in KiB on Linux.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    try:
        stats = json.loads(Path(stats_file.name).read_text() or "{}")
    finally:
        os.unlink(stats_file.name)
    recap = stats.get("recap", {})
    run = Run(
        label=label,
        seconds=round(seconds, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        # CPU time of ansible-playbook and its workers (stand-ins included): unlike wall time, it
        # hardly depends on what else the machine runs.
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 1),
        changed_tasks=sum(host.get("changed", 0) for host in recap.values()),
        failed_hosts=sum(1 for host in recap.values() if host.get("failures") or host.get("unreachable")),
        calls=summarize(emulator.calls(agent=False)),
        tasks=stats.get("tasks", []),
    )
    if process.returncode != 0:
        raise RuntimeError(f"{label}: ansible-playbook exited {process.returncode}; see {log_path}")
    return run


# Tasks of benchmarks/fleet.yml that play the hosts' side (on a real host they are that host's own
# work): the agents' registration, the facts setup gathers. Their time is reported apart from the
# controller's share; every task of the role itself counts in that share.
STAND_IN_TASKS = ("Stand-in:",)


def is_stand_in(task: dict) -> bool:
    return any(marker in task["name"] for marker in STAND_IN_TASKS)


def controller_seconds(record: dict) -> float:
    """The controller's share of a fleet run: its wall time less the stand-ins for the hosts' side."""
    return record["seconds"] - record.get("stand_in_seconds", 0.0)


def as_record(run: Run, load_before: float | None = None) -> dict:
    """A run as plain data (results.json, report, budgets)."""
    return {
        "seconds": run.seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "cpu_seconds": run.cpu_seconds,
        "changed_tasks": run.changed_tasks,
        "downloads": run.downloads,
        "failed_hosts": run.failed_hosts,
        "reads": dict(run.calls.reads),
        "writes": dict(run.calls.writes),
        "calls_by_region": {region: dict(counts) for region, counts in sorted(run.calls.regions.items())},
        "slowest_tasks": [
            {"name": task["name"], "seconds": task["seconds"], "changed": task["changed"]}
            for task in run.slowest_tasks()
        ],
        "load_before": load_before,
        "stand_in_seconds": round(sum(task["seconds"] for task in run.tasks if is_stand_in(task)), 1),
        "time_split": time_split(run),
    }


def time_split(run: Run) -> dict:
    """Where the wall time went: tasks that ran on one host (run_once, the batched AWS work), tasks
    evaluated for every host (set_fact, skipped conditionals, per-host modules), the rest
    (interpreter start, inventory and playbook parsing, the recap), and apart from these the
    stand-ins for the hosts' side (STAND_IN_TASKS)."""
    tasks = [task for task in run.tasks if not is_stand_in(task)]
    stand_in = sum(task["seconds"] for task in run.tasks if is_stand_in(task))
    once = sum(task["seconds"] for task in tasks if task["ran"] == 1)
    per_host = sum(task["seconds"] for task in tasks if task["ran"] != 1)
    return {
        "tasks run once": round(once, 1),
        "tasks run per host": round(per_host, 1),
        "outside tasks": round(run.seconds - stand_in - once - per_host, 1),
        "stand-ins for the hosts' side": round(stand_in, 1),
    }
