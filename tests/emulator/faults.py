"""Fault injection: throttling, latency, failing an operation N times, IAM role visibility delay."""

from __future__ import annotations

import random
import threading
import time

from tests.emulator.aws_errors import AwsError

KNOWN_KEYS = frozenset({"seed", "throttle", "latency", "fail", "iam_visibility_delay"})
# The throttling error code each protocol family really uses.
QUERY_THROTTLE_CODE = "Throttling"
JSON_THROTTLE_CODE = "ThrottlingException"


class FaultSpecError(ValueError):
    pass


def _matches(target: str, service: str | None, operation: str | None) -> bool:
    if target == "*":
        return True
    if ":" in target:
        wanted_service, wanted_operation = target.split(":", 1)
        return wanted_service == service and wanted_operation == operation
    return target == service


def validate(spec: dict) -> dict:
    """Reject a malformed spec with a message naming the key and the rule."""
    if not isinstance(spec, dict):
        raise FaultSpecError("fault spec must be a JSON object")
    unknown = set(spec) - KNOWN_KEYS
    if unknown:
        raise FaultSpecError(f"unknown fault spec keys {sorted(unknown)}; allowed: {sorted(KNOWN_KEYS)}")
    rules = {"throttle": ("target", "rate"), "latency": ("target", "ms"), "fail": ("target", "count", "code")}
    for key, required in rules.items():
        entries = spec.get(key, [])
        if not isinstance(entries, list):
            raise FaultSpecError(f"{key} must be a list of objects")
        for entry in entries:
            missing = [name for name in required if name not in entry]
            if missing:
                raise FaultSpecError(f"{key} entry {entry} lacks {missing}")
    for entry in spec.get("throttle", []):
        if not 0 <= float(entry["rate"]) <= 1:
            raise FaultSpecError(f"throttle rate must be between 0 and 1, got {entry['rate']}")
    return spec


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec: dict = {}
        self._fail_left: list[int] = []
        self._random = random.Random()

    def set(self, spec: dict) -> None:
        validate(spec)
        with self._lock:
            self._spec = spec
            self._fail_left = [int(entry["count"]) for entry in spec.get("fail", [])]
            self._random = random.Random(spec.get("seed"))

    def get(self) -> dict:
        with self._lock:
            spec = dict(self._spec)
            if "fail" in spec:
                spec["fail"] = [
                    {**entry, "remaining": left} for entry, left in zip(spec["fail"], self._fail_left, strict=True)
                ]
            return spec

    def clear(self) -> None:
        self.set({})

    @property
    def iam_visibility_delay(self) -> float:
        return float(self._spec.get("iam_visibility_delay") or 0)

    def apply(self, service: str | None, operation: str | None, query_protocol: bool) -> None:
        """Sleep for latency faults, then raise the injected error, if any, for this call."""
        with self._lock:
            delay_ms = sum(
                float(entry["ms"])
                for entry in self._spec.get("latency", [])
                if _matches(entry["target"], service, operation)
            )
            error = self._pick_error(service, operation, query_protocol)
        if delay_ms:
            time.sleep(delay_ms / 1000)
        if error:
            raise error

    def _pick_error(self, service: str | None, operation: str | None, query_protocol: bool) -> AwsError | None:
        for index, entry in enumerate(self._spec.get("fail", [])):
            if self._fail_left[index] > 0 and _matches(entry["target"], service, operation):
                self._fail_left[index] -= 1
                message = entry.get("message", f"Injected failure of {service}:{operation}")
                return AwsError(entry["code"], message, int(entry.get("status", 400)))
        for entry in self._spec.get("throttle", []):
            # Draw for every matching call so a seed gives the same sequence whatever the outcome.
            if _matches(entry["target"], service, operation) and self._random.random() < float(entry["rate"]):
                code = QUERY_THROTTLE_CODE if query_protocol else JSON_THROTTLE_CODE
                return AwsError(code, "Rate exceeded", 400)
        return None
