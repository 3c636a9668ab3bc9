"""A simulated fleet for the controller-share benchmark: N inventory hosts whose local state is
given as the facts the role's local_state.yml notes on a real host, and the AWS side (the emulator)
made to match, through the same calls the agents and the role make when hosts really register."""

from __future__ import annotations

import base64
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY, naming_marker

from benchmarks.fleet_agents import register_host

REGION = "us-east-1"
CLUSTER = "bench"
ROLE = "ecsAnywhereRole"
AGENTS = ["amazon-ssm-agent", "amazon-ecs-init"]
SCENARIOS = ("all new", "all registered", "10% stale")


@dataclass(frozen=True)
class Layout:
    """Where a fleet's hosts sit: (region, cluster) sites, the hosts spread evenly over them in
    blocks of neighbours (so every tenth host, the stale ones, falls in every site alike)."""

    name: str
    sites: tuple[tuple[str, str], ...]

    def site_of(self, index: int, count: int) -> tuple[str, str]:
        return self.sites[index * len(self.sites) // count]

    def sites_of(self, names: list[str]) -> dict[str, tuple[str, str]]:
        return {name: self.site_of(index, len(names)) for index, name in enumerate(names)}

    @property
    def single(self) -> bool:
        return self.sites == ((REGION, CLUSTER),)


def spread(name: str, clusters_per_region: dict[str, int], prefix: str = CLUSTER) -> Layout:
    """A layout of clusters PREFIX-1, PREFIX-2, ... numbered across the regions in order."""
    sites, number = [], 0
    for region, clusters in clusters_per_region.items():
        for _ in range(clusters):
            number += 1
            sites.append((region, f"{prefix}-{number}"))
    return Layout(name, tuple(sites))


ONE_CLUSTER = Layout("1 cluster", ((REGION, CLUSTER),))
TEN_CLUSTERS = spread("10 clusters in 2 regions", {"us-east-1": 5, "eu-west-1": 5})
LAYOUTS = {layout.name: layout for layout in (ONE_CLUSTER, TEN_CLUSTERS)}


def case_name(scenario: str, layout: Layout) -> str:
    """The key of a (scenario, layout) case in results.json: the bare scenario for one cluster."""
    return scenario if layout.single else f"{scenario}, {layout.name}"


def parse_case(case: str) -> tuple[str, str]:
    """(scenario, layout name) of a case key."""
    scenario, _, layout = case.partition(", ")
    return scenario, layout or ONE_CLUSTER.name


def layout_summary(layout: Layout, count: int) -> dict:
    """How many hosts each (region, cluster) holds, and the IAM roles they use (one: ROLE), for
    the budgets that count per group."""
    per_site = Counter(layout.sites_of(host_names(count)).values())
    return {
        "name": layout.name,
        "roles": 1,
        "clusters": [[region, cluster, per_site[(region, cluster)]] for region, cluster in layout.sites],
    }


def host_names(count: int) -> list[str]:
    return [f"edge-{number:04d}" for number in range(1, count + 1)]


def stale_hosts(names: list[str]) -> list[str]:
    """Every tenth host: 10%, spread over the fleet (ceil for fleets under 10)."""
    return names[::10]


def local_facts(
    instance_id: str = "", container_instance_arn: str = "", region: str = REGION, cluster: str = CLUSTER
) -> dict:
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
    key = json.dumps({"instanceID": instance_id, "privateKey": "simulated", "region": region})
    config = f"ECS_CLUSTER={cluster}\nECS_EXTERNAL=true\nAWS_DEFAULT_REGION={region}\n"
    return reads | {
        "__ecs_anywhere_registration_key": {"content": base64.b64encode(key.encode()).decode()},
        "__ecs_anywhere_ecs_config_file": {"content": base64.b64encode(config.encode()).decode()},
        "__ecs_anywhere_ecs_metadata": (
            {"status": 200, "json": {"Cluster": cluster, "ContainerInstanceArn": container_instance_arn}}
            if container_instance_arn
            else {"failed": True, "status": -1, "msg": "Connection refused"}
        ),
        "__ecs_anywhere_package_query_result": {
            "rc": 0,
            "stdout_lines": [f"{agent} installed" for agent in AGENTS],
        },
    }


def write_inventory(path: Path, emulator_url: str, hosts: dict[str, dict], layout: Layout = ONE_CLUSTER) -> Path:
    """JSON is YAML: one file, readable by ansible's yaml inventory plugin, fast to parse. One
    cluster: its region and cluster for all; otherwise each host's own as host vars."""
    if not layout.single:
        sites = layout.sites_of(list(hosts))
        hosts = {
            name: {"ecs_anywhere_region": sites[name][0], "ecs_anywhere_cluster": sites[name][1], **facts}
            for name, facts in hosts.items()
        }
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


def _controller(emulator, service: str, region: str = REGION):
    return emulator.client(service, region=region)


def _register(emulator, activation: dict, name: str, site: tuple[str, str]) -> tuple[str, str]:
    """What a real host's agents did when it first registered (SSM registration and heartbeat, ECS
    registration), and the Name tag and naming marker the role set then."""
    host = {
        "host": name,
        "region": site[0],
        "cluster": site[1],
        "instance_id": "",
        "activation": {"id": activation["ActivationId"], "code": activation["ActivationCode"]},
    }
    instance_id, arn = register_host(emulator.url, host)
    _controller(emulator, "ssm", site[0]).add_tags_to_resource(
        ResourceType="ManagedInstance",
        ResourceId=instance_id,
        Tags=[{"Key": "Name", "Value": name}, {"Key": MARKER_KEY, "Value": naming_marker(instance_id, name, {})}],
    )
    return instance_id, arn


def register_fleet(emulator, names: list[str], layout: Layout = ONE_CLUSTER) -> dict[str, tuple[str, str]]:
    """Register NAMES as a previous run of the role left them, each in its region and cluster of
    LAYOUT; an activation per region and 1,000 hosts, deleted afterwards, as the role does."""
    sites = layout.sites_of(names)
    registered: dict[str, tuple[str, str]] = {}
    for region in dict.fromkeys(region for region, _ in layout.sites):
        ssm = _controller(emulator, "ssm", region)
        in_region = [name for name in names if sites[name][0] == region]
        for start in range(0, len(in_region), 1000):
            chunk = in_region[start : start + 1000]
            clusters = {sites[name][1] for name in chunk}
            activation = ssm.create_activation(
                IamRole=ROLE,
                RegistrationLimit=len(chunk),
                # As the role names it (registration_plan): the cluster, when the hosts share one.
                DefaultInstanceName=clusters.pop() if len(clusters) == 1 else "onprem.ecs_anywhere",
                ExpirationDate=datetime.now(UTC) + timedelta(hours=1),
            )
            with ThreadPoolExecutor(8) as pool:
                ids = list(
                    pool.map(
                        lambda name, activation=activation: _register(emulator, activation, name, sites[name]), chunk
                    )
                )
            registered.update(zip(chunk, ids, strict=True))
            ssm.delete_activation(ActivationId=activation["ActivationId"])
    return registered


def prepare(emulator, scenario: str, count: int, inventory_path: Path, layout: Layout = ONE_CLUSTER) -> Path:
    """Emulator state and inventory for SCENARIO with COUNT hosts placed as LAYOUT says. The control
    plane (role, clusters) must exist already; the call log is cleared by the measured run itself."""
    names = host_names(count)
    sites = layout.sites_of(names)
    if scenario == "all new":
        hosts = {name: local_facts() for name in names}
    else:
        registered = register_fleet(emulator, names, layout)
        hosts = {name: local_facts(*registered[name], *sites[name]) for name in names}
        if scenario == "10% stale":
            # SSM forgot these identities (deregistered elsewhere, or expired); the hosts still hold
            # their key files and their ECS agents still run as the old container instances.
            for name in stale_hosts(names):
                _controller(emulator, "ssm", sites[name][0]).deregister_managed_instance(InstanceId=registered[name][0])
        elif scenario != "all registered":
            raise ValueError(f"unknown scenario {scenario!r}")
    return write_inventory(inventory_path, emulator.url, hosts, layout)


def control_plane_inventory(path: Path, emulator_url: str, count: int, layout: Layout = ONE_CLUSTER) -> Path:
    """The fleet's hosts with their regions and clusters only: for ensuring the control plane
    before the emulator is prepared (fleet.yml's first play alone, with bench_role_hosts=none)."""
    return write_inventory(path, emulator_url, {name: {} for name in host_names(count)}, layout)


def as_registered(emulator, names: list[str]) -> dict[str, dict]:
    """What each host holds after a run registered it, as the emulator shows it: its managed
    instance (by the Name the role set), region, and the container instance of that id."""
    state = emulator.state()
    managed = {
        tag["Value"]: item
        for item in state["managed_instances"]
        for tag in item.get("Tags", [])
        if tag["Key"] == "Name"
    }
    containers = {
        (item["ec2InstanceId"], item["region"]): dict(item, cluster=cluster)
        for cluster, items in state["container_instances"].items()
        for item in items
        if item["status"] == "ACTIVE"
    }
    held = {}
    for name in names:
        instance = managed.get(name, {})
        container = containers.get((instance.get("InstanceId"), instance.get("region")), {})
        held[name] = {
            "instance_id": instance.get("InstanceId", ""),
            "region": instance.get("region", ""),
            "cluster": container.get("cluster", ""),
            "container_instance_arn": container.get("containerInstanceArn", ""),
        }
    return held
