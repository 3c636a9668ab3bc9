"""Hybrid hosts in any region of the emulator, many at once, and ansible-inventory runs over them.

Registration and heartbeats are the agents' own calls (tests/integration/modules/fleet.py's
agent_call), sent from a few threads: 1,200 hosts take seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.integration.ansible_runner import ansible_env
from tests.integration.modules.fleet import ECS_AGENT, agent_call, ensure_role

PLUGIN = "onprem.ecs_anywhere.ecs_anywhere"
THREADS = 8
_ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


@dataclass
class Host:
    instance_id: str
    region: str
    number: int
    online: bool

    @property
    def ip_address(self) -> str:
        return f"10.{sum(map(ord, self.region)) % 250}.{self.number // 250}.{self.number % 250 + 1}"

    @property
    def computer_name(self) -> str:
        return f"{self.region}-node-{self.number}"


def _parallel(function, items):
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(function, items))


def register(emulator, region: str, numbers, *, tags: dict | None = None, offline=()) -> list[Host]:
    """One activation (tagged with TAGS, which SSM copies to its instances) and a managed instance per
    number; each heartbeats (Online) unless its number is in OFFLINE (then ConnectionLost)."""
    numbers = list(numbers)
    activation = emulator.client("ssm", region=region).create_activation(
        IamRole=ensure_role(emulator),
        RegistrationLimit=len(numbers),
        Tags=[{"Key": key, "Value": value} for key, value in (tags or {}).items()],
    )
    credentials = {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]}

    def one(number: int) -> Host:
        instance_id = agent_call(emulator, "RegisterManagedInstance", credentials, region=region)["InstanceId"]
        host = Host(instance_id, region, number, online=number not in offline)
        if host.online:
            information = {
                "InstanceId": instance_id,
                "AgentVersion": "3.3.1611.0",
                "PlatformName": "Debian GNU/Linux",
                "PlatformVersion": "12",
                "PlatformType": "Linux",
                "ComputerName": host.computer_name,
                "IPAddress": host.ip_address,
            }
            agent_call(emulator, "UpdateInstanceInformation", information, region=region)
        return host

    return _parallel(one, numbers)


def tag(emulator, hosts: list[Host], tags) -> None:
    """TAGS (a dict, or a function of the host giving one) on each of HOSTS."""

    def one(host: Host) -> None:
        wanted = tags(host) if callable(tags) else tags
        emulator.client("ssm", region=host.region).add_tags_to_resource(
            ResourceType="ManagedInstance",
            ResourceId=host.instance_id,
            Tags=[{"Key": key, "Value": value} for key, value in wanted.items()],
        )

    _parallel(one, hosts)


def join_cluster(emulator, region: str, cluster: str, hosts: list[Host]) -> dict[str, str]:
    """Register each host's ECS agent with CLUSTER (created first); {instance id: container instance ARN}."""
    emulator.client("ecs", region=region).create_cluster(clusterName=cluster)
    agent = emulator.client("ecs", region=region, user_agent=ECS_AGENT)

    def one(host: Host) -> tuple[str, str]:
        response = agent.register_container_instance(
            cluster=cluster,
            instanceIdentityDocument=json.dumps({"instanceId": host.instance_id, "region": region}),
            instanceIdentityDocumentSignature="unsigned",
            versionInfo={"agentVersion": "1.90.0"},
        )
        return host.instance_id, response["containerInstance"]["containerInstanceArn"]

    return dict(_parallel(one, hosts))


def drain(emulator, region: str, cluster: str, arns: list[str]) -> None:
    ecs = emulator.client("ecs", region=region)
    for start in range(0, len(arns), 10):
        ecs.update_container_instances_state(
            cluster=cluster, containerInstances=arns[start : start + 10], status="DRAINING"
        )


def write_config(directory: Path, config: dict, name: str = "fleet.ecs_anywhere.yml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump({"plugin": PLUGIN, **config}, sort_keys=False))
    return path


def ansible_inventory(emulator, config: Path, *args: str) -> subprocess.CompletedProcess:
    """ansible-inventory -i CONFIG ARGS with only this plugin enabled, pointed at the emulator; a source
    that fails to parse fails the run."""
    env = ansible_env(emulator.env())
    env.update(ANSIBLE_INVENTORY_ENABLED=PLUGIN, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    return subprocess.run(
        [str(_ANSIBLE_INVENTORY), "-i", str(config), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _plain(value):
    """VALUE without ansible-inventory's markers of untrusted strings."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def listed(run: subprocess.CompletedProcess) -> tuple[dict, dict[str, set]]:
    """(hostvars by host, hosts by group) from ansible-inventory --list."""
    assert run.returncode == 0, run.stderr
    document = _plain(json.loads(run.stdout))
    hostvars = document.pop("_meta")["hostvars"]
    groups = {group: set(body.get("hosts", [])) for group, body in document.items() if body.get("hosts")}
    return hostvars, groups


def graphed(run: subprocess.CompletedProcess) -> dict[str, set]:
    """Hosts by group from ansible-inventory --graph (groups without hosts left out)."""
    assert run.returncode == 0, run.stderr
    groups: dict[str, set] = {}
    stack: list[str] = []
    for line in run.stdout.splitlines():
        match = re.match(r"^((?:\s*\|)*)--(@?)(.+?):?$", line.rstrip())
        if not match:
            continue
        depth = match.group(1).count("|")
        del stack[depth - 1 :]
        if match.group(2):
            stack.append(match.group(3))
        else:
            groups.setdefault(stack[-1], set()).add(match.group(3))
    return groups
