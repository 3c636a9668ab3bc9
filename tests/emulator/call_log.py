"""The log of every AWS API call the emulator answered (control API calls excluded)."""

from __future__ import annotations

import sys
import threading
import time


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._seq = 0
        self.log_requests = True

    def record(self, request, status: int, error_code: str | None) -> None:
        # One line per call on stderr (the world keeps it in the emulator's log): enough to see
        # which call failed and why, never a body (bodies carry activation codes).
        if self.log_requests:
            print(
                f"emulator: {request.method} {request.service}:{request.operation} {status}"
                + (f" {error_code}" if error_code else "")
                + (" (agent)" if request.agent else ""),
                file=sys.stderr,
                flush=True,
            )
        with self._lock:
            self._seq += 1
            self._entries.append(
                {
                    "seq": self._seq,
                    "time": time.time(),
                    "service": request.service,
                    "operation": request.operation,
                    "write": request.write,
                    "status": status,
                    "error_code": error_code,
                    "agent": request.agent,
                    "region": request.region,
                }
            )

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
