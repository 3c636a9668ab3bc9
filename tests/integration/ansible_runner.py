"""Run the collection's modules and playbooks through the real ansible CLIs, results as dicts.

    from tests.integration.ansible_runner import run_module, run_playbook

    result = run_module("onprem.ecs_anywhere.instance_role", {"name": "r"}, emulator.env(), check=True, diff=True)
    result["changed"], result["role"], result.get("diff"), result.get("warnings")

    run = run_playbook(path_to_playbook, emulator.env(), extra_vars={"x": 1})
    run.stats["localhost"]["changed"], run.results("localhost")

The working tree is the collection (`.build/collections/ansible_collections/onprem/ecs_anywhere`
links to it, as `make collection` makes it), so tests exercise the files being edited.
Output is read from the `ansible.posix.json` stdout callback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = REPO_ROOT / ".build" / "collections"
_COLLECTION_LINK = COLLECTIONS_PATH / "ansible_collections" / "onprem" / "ecs_anywhere"
# The ansible CLIs of the interpreter running the tests (the project's venv).
_BIN = Path(sys.executable).parent
DEFAULT_TIMEOUT = 300


class AnsibleRunError(AssertionError):
    """ansible produced no parsable JSON result (crash, syntax error, unreachable host)."""


@dataclass
class PlaybookRun:
    """One ansible-playbook run: exit status, per-host stats, every task result."""

    returncode: int
    stats: dict
    plays: list
    stderr: str = ""
    raw: dict = field(default_factory=dict)

    def results(self, host: str = "localhost") -> list[dict]:
        """Every task result of ``host`` in run order, each with its task name under ``_task``."""
        found = []
        for play in self.plays:
            for task in play["tasks"]:
                if host in task["hosts"]:
                    found.append(dict(task["hosts"][host], _task=task["task"]["name"]))
        return found

    def result(self, task_name: str, host: str = "localhost") -> dict:
        """The result of the task named ``task_name`` on ``host`` (the last one if it ran twice)."""
        matches = [r for r in self.results(host) if r["_task"] == task_name]
        if not matches:
            raise KeyError(
                f"no result for task {task_name!r} on {host}; tasks: {[r['_task'] for r in self.results(host)]}"
            )
        return matches[-1]


def ensure_collection_link() -> None:
    """Make the working tree visible as onprem.ecs_anywhere (what `make collection` does)."""
    if not _COLLECTION_LINK.exists():
        _COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
        _COLLECTION_LINK.symlink_to(REPO_ROOT)


def ansible_env(env: dict | None = None) -> dict:
    """The environment for an ansible subprocess: ``env`` (e.g. ``emulator.env()``) plus quiet JSON output."""
    ensure_collection_link()
    result = dict(os.environ)
    result.update(env or {})
    result.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "true",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_NOCOLOR": "true",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        }
    )
    return result


def _run(command: list[str], env: dict | None, timeout: int) -> tuple[int, dict, str]:
    process = subprocess.run(
        command, env=ansible_env(env), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    try:
        # Warnings from ansible itself may precede the JSON document.
        output = json.loads(process.stdout[process.stdout.index("{") :])
    except ValueError as e:
        raise AnsibleRunError(
            f"{command[0]} exited {process.returncode} without a JSON result ({e})\n"
            f"stdout:\n{process.stdout}\nstderr:\n{process.stderr}"
        ) from None
    return process.returncode, output, process.stderr


def _mode_flags(check: bool, diff: bool) -> list[str]:
    return (["--check"] if check else []) + (["--diff"] if diff else [])


def run_module(
    name: str,
    args: dict,
    env: dict | None = None,
    *,
    check: bool = False,
    diff: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
) -> dict:
    """Run module ``name`` once on localhost with ``args``; return its result dict.

    A failed module is a result too (``result["failed"]`` and ``result["msg"]``); only a
    run without any result raises ``AnsibleRunError``.
    """
    command = [str(_BIN / "ansible"), "localhost", "-m", name, "-a", json.dumps(args), *_mode_flags(check, diff)]
    _, output, stderr = _run(command, env, timeout)
    try:
        return output["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (KeyError, IndexError):
        raise AnsibleRunError(f"no module result in {output}\nstderr:\n{stderr}") from None


def run_playbook(
    playbook: str | os.PathLike,
    env: dict | None = None,
    *,
    extra_vars: dict | None = None,
    inventory: str | os.PathLike | None = None,
    check: bool = False,
    diff: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
) -> PlaybookRun:
    """Run ``ansible-playbook`` on ``playbook``; return a ``PlaybookRun``."""
    command = [str(_BIN / "ansible-playbook"), str(playbook), *_mode_flags(check, diff)]
    if inventory is not None:
        command += ["-i", str(inventory)]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    returncode, output, stderr = _run(command, env, timeout)
    return PlaybookRun(returncode=returncode, stats=output["stats"], plays=output["plays"], stderr=stderr, raw=output)
