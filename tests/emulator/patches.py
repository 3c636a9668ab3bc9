"""What moto lacks for ECS Anywhere: SSM hybrid activations and managed instances, ECS external instances."""

from __future__ import annotations

import threading


class Patches:
    def __init__(self, ping_timeout: float, faults) -> None:
        self.ping_timeout = ping_timeout
        self.default_ping_timeout = ping_timeout
        self.faults = faults
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.activations: dict[str, dict] = {}
            self.managed_instances: dict[str, dict] = {}
            self.container_instances: dict[str, dict] = {}
            self.ping_timeout = self.default_ping_timeout

    def handle(self, request, environ):
        return None

    def state(self) -> dict:
        return {"activations": [], "managed_instances": [], "container_instances": {}}

    def set_running_tasks(self, payload: dict) -> dict:
        raise NotImplementedError
