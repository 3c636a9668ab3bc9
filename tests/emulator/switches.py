"""Switches for what AWS leaves undocumented or does only now and then (control API `config`, command line).

Each switch has a lenient choice (the emulator's behaviour so far) and a strict one (the harder
reading of AWS). A server starts with START_VALUES, or STRICT with `--strict`; `reset` returns to
the values it started with.
"""

from __future__ import annotations

import random

LENIENT = {
    "instance_name": "tag",
    "unknown_instance_id": "empty",
    "list_filter_max_length": None,
    "read_lag_seconds": 0.0,
    "short_pages": 0.0,
    "short_pages_seed": 0,
    "managed_instance_limit": None,
}
STRICT = {
    "instance_name": "default",
    "unknown_instance_id": "error",
    "list_filter_max_length": 2000,
    "read_lag_seconds": 2.0,
    "short_pages": 0.25,
    "short_pages_seed": 0,
    "managed_instance_limit": 1000,
}
# What every server starts with unless the command line says otherwise: the one line to change
# when the suite moves to the strict choices.
# Read lag stays a choice of the tests that exercise it (tests/integration/emulator,
# tests/integration/playbooks/test_strict_aws.py): AWS documents it without a figure, and with it on,
# a test that acts on what it created a moment ago measures timing rather than behaviour.
START_VALUES = {**STRICT, "read_lag_seconds": 0.0}

# Timings, not switches: one value whatever the strictness; `ping_timeout` as given on the command line.
TIMINGS = {"ping_timeout": 60.0, "task_start_seconds": 1.0}
KNOWN_KEYS = sorted([*LENIENT, *TIMINGS])

CHOICES = {"instance_name": ("tag", "default"), "unknown_instance_id": ("empty", "error")}
WHOLE_OR_NONE = ("list_filter_max_length", "managed_instance_limit", "short_pages_seed")


class SwitchError(ValueError):
    pass


def _number(key: str, value, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SwitchError(f"{key} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise SwitchError(f"{key} must be between {low} and {high}" if high is not None else f"{key} must be >= {low}")
    return float(value)


def check(key: str, value):
    """The value, normalised; SwitchError names the key and the rule."""
    if key in CHOICES:
        if value not in CHOICES[key]:
            raise SwitchError(f"{key} must be one of {list(CHOICES[key])}, got {value!r}")
        return value
    if key in WHOLE_OR_NONE:
        low = 1 if key == "list_filter_max_length" else 0
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SwitchError(f"{key} must be a whole number >= {low} or null, got {value!r}")
        return value
    if key == "read_lag_seconds":
        return _number(key, value, 0)
    if key == "short_pages":
        return _number(key, value, 0, 1)
    if key == "ping_timeout":
        if _number(key, value, 0) == 0:
            raise SwitchError("ping_timeout must be > 0")
        return float(value)
    if key == "task_start_seconds":
        return _number(key, value, 0)
    raise SwitchError(f"unknown config key {key!r}; known: {KNOWN_KEYS}")


class Switches:
    """The current values (the timings included) and the seeded draw behind short pages."""

    def __init__(self, start: dict) -> None:
        self.start = {key: check(key, value) for key, value in {**TIMINGS, **start}.items()}
        self.reset()

    def reset(self) -> None:
        self.values = dict(self.start)
        self._random = random.Random(self.values["short_pages_seed"])

    def update(self, changes: dict) -> dict:
        """Apply every change or none; a new rate or seed starts the draw sequence again."""
        if not isinstance(changes, dict) or not changes:
            raise SwitchError(f"config takes an object with one or more of {KNOWN_KEYS}")
        checked = {key: check(key, value) for key, value in changes.items()}
        self.values.update(checked)
        if {"short_pages", "short_pages_seed"} & set(checked):
            self._random = random.Random(self.values["short_pages_seed"])
        return dict(self.values)

    def __getitem__(self, key: str):
        return self.values[key]

    def short_page_length(self, lowest: int, full: int) -> int:
        """How many of `full` items this page carries: now and then fewer (at least `lowest`)."""
        rate = self.values["short_pages"]
        if not rate or lowest >= full or self._random.random() >= rate:
            return full
        return self._random.randint(lowest, full - 1)
