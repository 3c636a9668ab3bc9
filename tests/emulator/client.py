"""`Emulator`: a test's handle on a running emulator (boto3 clients, call log, faults, reset)."""

from __future__ import annotations

import json
import urllib.request

import boto3
from botocore.config import Config

from tests.emulator import ACCOUNT_ID, DEFAULT_REGION
from tests.emulator.switches import STRICT

DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url
        self.account_id = ACCOUNT_ID
        self._clients: dict = {}

    def _control(self, method: str, route: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{route}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def client(self, service: str, region: str = DEFAULT_REGION, **config):
        """A boto3 client against the emulator; keyword arguments go to botocore's Config (e.g. retries).

        Clients are cached: creating one costs ~60 ms, and tests ask for the same few all the time.
        """
        key = (service, region, repr(sorted(config.items())))
        if key not in self._clients:
            self._clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.url,
                config=Config(**config) if config else None,
                **DUMMY_CREDENTIALS,
            )
        return self._clients[key]

    def env(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        """Variables that point a subprocess (boto3, ansible, the AWS CLI) at the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_URL": self.url,
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            # Without it botocore may wait on the instance metadata service looking for credentials.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def calls(self, service: str | None = None, operation: str | None = None, agent: bool | None = False) -> list[dict]:
        """Logged AWS calls; agent=False: the controller's only, True: the agents' only, None: all."""
        return [
            call
            for call in self._control("GET", "calls")["calls"]
            if (service is None or call["service"] == service)
            and (operation is None or call["operation"] == operation)
            and (agent is None or call["agent"] == agent)
        ]

    def writes(self, service: str | None = None, operation: str | None = None, agent: bool | None = False):
        return [call for call in self.calls(service, operation, agent) if call["write"]]

    def clear_calls(self) -> None:
        self._control("DELETE", "calls")

    def set_faults(self, spec: dict) -> dict:
        return self._control("PUT", "faults", spec)

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def reset(self) -> None:
        self._control("POST", "reset")

    def state(self) -> dict:
        return self._control("GET", "state")

    def activation_codes(self) -> list[str]:
        """Every activation code issued since the last reset, deleted activations included (test-only)."""
        return self._control("GET", "activation-codes")["codes"]

    def set_ping_timeout(self, seconds: float) -> None:
        self._control("PUT", "config", {"ping_timeout": seconds})

    def config(self) -> dict:
        """ping_timeout and every switch (tests/emulator/switches.py) as they stand."""
        return self._control("GET", "config")

    def set_config(self, **switches) -> dict:
        """Change switches until the next reset, e.g. set_config(instance_name="default", read_lag_seconds=1)."""
        return self._control("PUT", "config", switches)

    def set_strict(self) -> dict:
        """Every switch at its strict choice until the next reset."""
        return self.set_config(**STRICT)

    def set_running_tasks(self, cluster: str, container_instance: str, running: int, region: str | None = None) -> dict:
        """Set a container instance's running task count; `region` (optional) must be the instance's."""
        payload = {"cluster": cluster, "containerInstance": container_instance, "running": running}
        if region is not None:
            payload["region"] = region
        return self._control("POST", "ecs/tasks", payload)

    def end_agent_session(self, container_instance: str, region: str = DEFAULT_REGION) -> dict:
        """What an ECS agent's stop does: ECS reports it disconnected until its next call; the instance as
        DescribeContainerInstances shows it."""
        payload = {"containerInstance": container_instance, "region": region, "connected": False}
        return self._control("POST", "ecs/agent-session", payload)

    def put_service(self, cluster: str, service: str, desired_count: int, region: str = DEFAULT_REGION) -> dict:
        """Create a simulated service (or set its desired count); its record as `services()` shows it."""
        payload = {"region": region, "cluster": cluster, "service": service, "desiredCount": desired_count}
        return self._control("POST", "ecs/services", payload)

    def services(self) -> dict:
        """Every simulated service and container instance history by region and cluster
        (read with tests/emulator/drain_record.py)."""
        return self._control("GET", "ecs/services")
