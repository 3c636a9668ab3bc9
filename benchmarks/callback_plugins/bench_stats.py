"""Writes what a benchmark run needs to the JSON file named by BENCH_STATS_FILE: per-task wall time
(as profile_tasks measures it: from a task's start to the next one's), hosts that ran and changed per task
(skipped hosts not counted), the recap."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_stats
type: aggregate
short_description: task timings and changed counts for the benchmark driver
description: Test code of the benchmarks (never shipped); enabled through ANSIBLE_CALLBACKS_ENABLED.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_stats"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._tasks: list[dict] = []
        self._current: dict | None = None
        self._started = time.monotonic()

    def _close_current(self) -> None:
        if self._current is not None:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("_start"), 3)
            self._tasks.append(self._current)
            self._current = None

    def _start(self, task) -> None:
        self._close_current()
        self._current = {
            "name": task.get_name(),
            "action": task.action,
            "ran": 0,
            "changed": 0,
            "_start": time.monotonic(),
        }

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_runner_on_ok(self, result):
        if self._current is not None:
            self._current["ran"] += 1
            if result.is_changed():
                self._current["changed"] += 1

    def v2_runner_item_on_ok(self, result):
        # Loop items are folded into the task's own result (v2_runner_on_ok); nothing to add here.
        pass

    def v2_playbook_on_stats(self, stats):
        self._close_current()
        hosts = sorted(stats.processed)
        recap = {host: stats.summarize(host) for host in hosts}
        path = os.environ.get("BENCH_STATS_FILE")
        if not path:
            return
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(
                {"seconds": round(time.monotonic() - self._started, 3), "tasks": self._tasks, "recap": recap},
                handle,
                indent=1,
            )
