"""A simulated fleet for the controller-share benchmark: N inventory hosts whose local state is
given as the facts the role's local_state.yml notes on a real host, and the AWS side (the emulator)
made to match, through the same calls the agents and the role make when hosts really register."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY, naming_marker

from benchmarks.fleet_agents import register_host

REGION = "us-east-1"
CLUSTER = "bench"
ROLE = "ecsAnywhereRole"
AGENTS = ["amazon-ssm-agent", "amazon-ecs-init"]
SCENARIOS = ("all new", "all registered", "10% stale")


def host_names(count: int) -> list[str]:
    return [f"edge-{number:04d}" for number in range(1, count + 1)]


def stale_hosts(names: list[str]) -> list[str]:
    """Every tenth host: 10%, spread over the fleet (ceil for fleets under 10)."""
    return names[::10]


def local_facts(instance_id: str = "", container_instance_arn: str = "") -> dict:
    """What local_state.yml's reads return on such a host (its registered results): the SSM key
    file (slurp), the ECS agent's configuration (slurp), the agent's introspection answer (uri),
    dpkg-query's list of the installed agents, df's free space under /var and the skipped GPU
    probe. The role's preflight.yml judges and notes them."""
    reads = {
        "__ecs_anywhere_df": {
            "rc": 0,
            "stdout_lines": [
                "Filesystem     1024-blocks     Used Available Capacity Mounted on",
                "/dev/sda1         41152736 12345678  26710228      32% /",
            ],
        },
        "__ecs_anywhere_nvidia_smi": {"skipped": True, "skip_reason": "Conditional result was False"},
    }
    if not instance_id:
        return reads | {
            "__ecs_anywhere_registration_key": {"failed": True, "msg": "file not found"},
            "__ecs_anywhere_ecs_config_file": {"failed": True, "msg": "file not found"},
            "__ecs_anywhere_ecs_metadata": {"failed": True, "status": -1, "msg": "Connection refused"},
            "__ecs_anywhere_package_query_result": {"rc": 1, "stdout_lines": []},
        }
    key = json.dumps({"instanceID": instance_id, "privateKey": "simulated", "region": REGION})
    config = f"ECS_CLUSTER={CLUSTER}\nECS_EXTERNAL=true\nAWS_DEFAULT_REGION={REGION}\n"
    return reads | {
        "__ecs_anywhere_registration_key": {"content": base64.b64encode(key.encode()).decode()},
        "__ecs_anywhere_ecs_config_file": {"content": base64.b64encode(config.encode()).decode()},
        "__ecs_anywhere_ecs_metadata": (
            {"status": 200, "json": {"Cluster": CLUSTER, "ContainerInstanceArn": container_instance_arn}}
            if container_instance_arn
            else {"failed": True, "status": -1, "msg": "Connection refused"}
        ),
        "__ecs_anywhere_package_query_result": {
            "rc": 0,
            "stdout_lines": [f"{agent} installed" for agent in AGENTS],
        },
    }


def write_inventory(path: Path, emulator_url: str, hosts: dict[str, dict]) -> Path:
    """JSON is YAML: one file, readable by ansible's yaml inventory plugin, fast to parse."""
    inventory = {
        "all": {
            "vars": {
                "ecs_anywhere_region": REGION,
                "ecs_anywhere_cluster": CLUSTER,
                "ecs_anywhere_role_name": ROLE,
                "ecs_anywhere_aws_endpoint_url": emulator_url,
                "ecs_anywhere_verify_timeout": 120,
            }
        },
        "ecs_anywhere": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": hosts,
        },
    }
    path.write_text(json.dumps(inventory, indent=1))
    return path


def _controller(emulator, service: str):
    return emulator.client(service, region=REGION)


def _register(emulator, activation: dict, name: str) -> tuple[str, str]:
    """What a real host's agents did when it first registered (SSM registration and heartbeat, ECS
    registration), and the Name tag and naming marker the role set then."""
    host = {
        "host": name,
        "instance_id": "",
        "activation": {"id": activation["ActivationId"], "code": activation["ActivationCode"]},
    }
    instance_id, arn = register_host(emulator.url, REGION, CLUSTER, host)
    _controller(emulator, "ssm").add_tags_to_resource(
        ResourceType="ManagedInstance",
        ResourceId=instance_id,
        Tags=[{"Key": "Name", "Value": name}, {"Key": MARKER_KEY, "Value": naming_marker(instance_id, name, {})}],
    )
    return instance_id, arn


def register_fleet(emulator, names: list[str]) -> dict[str, tuple[str, str]]:
    """Register NAMES as a previous run of the role left them; activations deleted afterwards, as the role does."""
    ssm = _controller(emulator, "ssm")
    registered: dict[str, tuple[str, str]] = {}
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        activation = ssm.create_activation(
            IamRole=ROLE,
            RegistrationLimit=len(chunk),
            DefaultInstanceName=CLUSTER,
            ExpirationDate=datetime.now(UTC) + timedelta(hours=1),
        )
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda name, activation=activation: _register(emulator, activation, name), chunk))
        registered.update(zip(chunk, ids, strict=True))
        ssm.delete_activation(ActivationId=activation["ActivationId"])
    return registered


def prepare(emulator, scenario: str, count: int, inventory_path: Path) -> Path:
    """Emulator state and inventory for SCENARIO with COUNT hosts. The control plane (role, cluster)
    must exist already; the call log is cleared by the measured run itself."""
    names = host_names(count)
    if scenario == "all new":
        hosts = {name: local_facts() for name in names}
    else:
        registered = register_fleet(emulator, names)
        hosts = {name: local_facts(*registered[name]) for name in names}
        if scenario == "10% stale":
            # SSM forgot these identities (deregistered elsewhere, or expired); the hosts still hold
            # their key files and their ECS agents still run as the old container instances.
            ssm = _controller(emulator, "ssm")
            for name in stale_hosts(names):
                ssm.deregister_managed_instance(InstanceId=registered[name][0])
        elif scenario != "all registered":
            raise ValueError(f"unknown scenario {scenario!r}")
    return write_inventory(inventory_path, emulator.url, hosts)
