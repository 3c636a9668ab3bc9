"""Rolling agent upgrades on real hosts of the test world: N registered hosts on the old agents run a
service; `playbooks/upgrade.yml` moves them to the newest agents at each rolling size, with a downgrade
by pin (`site.yml`, the old versions pinned) between two upgrades. Each run is measured as a user runs
it, and what the service's users saw is read from the emulator's ECS records."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.calls import summarize
from benchmarks.measure import as_record, collection_playbook, run_playbook
from benchmarks.real import own_world
from tests.agents.build import ECS_INIT_VERSIONS, SSM_AGENT_VERSIONS
from tests.emulator.client import Emulator
from tests.emulator.drain_record import DrainRecord

# Where the shared group_vars (extensions/molecule/shared/group_vars/all.yml) register the hosts.
REGION = "us-east-1"
CLUSTER = "edge"
SERVICE = "web"
# The mirror's two versions of each stand-in agent, oldest first; `latest` is the newest.
OLD = {"ecs_init": ECS_INIT_VERSIONS[0], "ssm_agent": SSM_AGENT_VERSIONS[0]}
NEW = {"ecs_init": ECS_INIT_VERSIONS[-1], "ssm_agent": SSM_AGENT_VERSIONS[-1]}
PINS_OF_OLD = [
    "-e",
    f"ecs_anywhere_ecs_init_version={OLD['ecs_init']}",
    "-e",
    f"ecs_anywhere_ssm_agent_version={OLD['ssm_agent']}",
]
# site.yml's rolling play without -e ecs_anywhere_upgrade_serial (docs/upgrades.md).
DEFAULT_SERIAL = "1"
SERVICE_START_TIMEOUT = 120.0


def ecs_agent_version(ecs_init_version: str) -> str:
    """The ECS agent an ecs-init package carries: its Debian version without the revision (1.90.0-1 -> 1.90.0)."""
    return ecs_init_version.rsplit("-", 1)[0]


def expected_versions(versions: dict) -> dict[str, str]:
    """What ECS (versionInfo.agentVersion) and SSM (AgentVersion) report for hosts on these packages."""
    return {"ecs_agent": ecs_agent_version(versions["ecs_init"]), "ssm_agent": versions["ssm_agent"]}


def batch_size(serial: str | int, hosts: int) -> int:
    """Hosts per batch of a play with this `serial` over HOSTS hosts, as Ansible counts it: a number as it is
    (at most the hosts), a percentage of the hosts rounded down but at least 1."""
    text = str(serial).strip()
    if text.endswith("%"):
        return max(1, int(hosts * float(text[:-1]) / 100))
    return min(int(text), hosts)


def draining_spells(records: dict, start: float, end: float | None = None) -> list[tuple[float, float | None]]:
    """(since, until) of every DRAINING spell of any container instance that overlaps [start, end], from the
    `history` ([t, status, agentConnected, agentVersion]) of GET /_emulator/ecs/services; until is None
    while it lasts."""
    spells = []
    for clusters in records["regions"].values():
        for content in clusters.values():
            for instance in content["containerInstances"].values():
                history = instance["history"]
                for index, (t, status, *_) in enumerate(history):
                    if status != "DRAINING" or (index > 0 and history[index - 1][1] == "DRAINING"):
                        continue
                    ends = [later[0] for later in history[index + 1 :] if later[1] != "DRAINING"]
                    until = ends[0] if ends else None
                    if (until is None or until > start) and (end is None or t <= end):
                        spells.append((t, until))
    return sorted(spells, key=lambda spell: spell[0])


def most_at_once(spells: list[tuple[float, float | None]]) -> int:
    """The most spells under way at one moment (the count can only rise where a spell begins)."""
    return max((sum(1 for s, u in spells if s <= t and (u is None or u > t)) for t, _ in spells), default=0)


def service_view(records: dict, desired: int, start: float, end: float) -> dict:
    """What the service's users and the cluster saw during [start, end]."""
    record = DrainRecord(records)
    spells = draining_spells(records, start, end)
    return {
        "service": SERVICE,
        "desired": desired,
        "fewest_running": record.min_running(SERVICE, start=start, end=end, cluster=CLUSTER, region=REGION),
        "running_at_end": [n for t, n in record.service(SERVICE, CLUSTER, REGION)["runningTimeline"] if t <= end][-1],
        "most_draining_at_once": most_at_once(spells),
        "drains": len(spells),
        "active_while_disconnected": len(record.active_while_disconnected(start=start, end=end)),
        "stopped_not_by_draining": sum(
            1 for task in record.stops_not_by_draining() if start < (task.get("stoppedAt") or 0) <= end
        ),
    }


def version_problems(state: dict, expected: dict[str, str], hosts: int) -> list[str]:
    """Where the emulator's state (GET /_emulator/state) differs from HOSTS hosts registered in REGION and
    CLUSTER on the EXPECTED agents: SSM's AgentVersion, ECS's agentVersion, ACTIVE and connected."""
    problems = []
    managed = [item for item in state["managed_instances"] if item.get("region") == REGION]
    names = {item["InstanceId"]: item.get("Name") or item.get("ComputerName") or item["InstanceId"] for item in managed}
    if len(managed) != hosts:
        problems.append(f"{len(managed)} managed instances in {REGION}, not {hosts}")
    for item in managed:
        if item.get("AgentVersion") != expected["ssm_agent"]:
            problems.append(f"{names[item['InstanceId']]}: SSM AgentVersion {item.get('AgentVersion')!r}")
    containers = [
        item
        for item in state["container_instances"].get(CLUSTER, [])
        if item.get("region") == REGION and item.get("status") != "INACTIVE"
    ]
    if len(containers) != hosts:
        problems.append(f"{len(containers)} container instances in {CLUSTER} of {REGION}, not {hosts}")
    for item in containers:
        name = names.get(item.get("ec2InstanceId"), item.get("ec2InstanceId"))
        version = (item.get("versionInfo") or {}).get("agentVersion")
        if version != expected["ecs_agent"]:
            problems.append(f"{name}: ECS agentVersion {version!r}")
        if item.get("status") != "ACTIVE" or not item.get("agentConnected"):
            problems.append(
                f"{name}: {item.get('status')}, agent {'' if item.get('agentConnected') else 'not '}connected"
            )
    return problems


def check_versions(emulator: Emulator, versions: dict, hosts: int, after: str) -> dict[str, str]:
    """Fail the benchmark unless every host runs these versions as SSM and ECS report them."""
    expected = expected_versions(versions)
    problems = version_problems(emulator.state(), expected, hosts)
    if problems:
        raise RuntimeError(f"after {after}, the hosts do not all run {expected}: " + "; ".join(problems))
    return expected


def wait_for_service(emulator: Emulator, desired: int) -> None:
    deadline = time.monotonic() + SERVICE_START_TIMEOUT
    while True:
        running = DrainRecord(emulator.services()).service(SERVICE, CLUSTER, REGION)["runningTimeline"][-1][1]
        if running == desired:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"service {SERVICE} runs {running} tasks, not {desired}, {SERVICE_START_TIMEOUT:.0f} s on"
            )
        time.sleep(1)


def plan(serials: list[str]) -> list[tuple[str, str, list[str], dict, str]]:
    """(label, playbook, extra args, versions after, rolling size) of each measured run, in order: an
    upgrade per rolling size, and before each one but the first a downgrade by pin to the old versions."""
    runs = []
    for index, serial in enumerate(serials):
        if index:
            runs.append(
                (
                    f"downgrade by pin, before rolling size {serial}",
                    "playbooks/site.yml",
                    PINS_OF_OLD,
                    OLD,
                    DEFAULT_SERIAL,
                )
            )
        runs.append(
            (
                f"upgrade, rolling size {serial}",
                "playbooks/upgrade.yml",
                ["-e", f"ecs_anywhere_upgrade_serial={serial}"],
                NEW,
                serial,
            )
        )
    return runs


def run_size(
    count: int, serials: list[str], work_dir: Path, log_dir: Path, save: Callable[[dict], None]
) -> dict[str, dict]:
    """COUNT bookworm hosts registered on the old agents with a service of COUNT tasks, then the runs of
    `plan`; SAVE gets the records so far after each run."""
    hosts = [f"bench-upgrade{count}-{index}" for index in range(1, count + 1)]
    records: dict[str, dict] = {}
    with own_world(f"world-upgrade-{count}", hosts, work_dir) as (inventory, emulator):
        run_playbook(
            f"upgrade-{count}-setup-old-agents",
            ["-i", str(inventory), collection_playbook("playbooks/site.yml"), *PINS_OF_OLD],
            emulator,
            log_dir,
        )
        check_versions(emulator, OLD, count, "site.yml with the old versions pinned")
        emulator.put_service(CLUSTER, SERVICE, count, region=REGION)
        wait_for_service(emulator, count)
        for label, playbook, extra, versions, serial in plan(serials):
            load = os.getloadavg()[0]
            start = time.time()
            run = run_playbook(
                f"upgrade-{count}-{label.replace(' ', '-').replace(',', '')}",
                ["-i", str(inventory), collection_playbook(playbook), *extra],
                emulator,
                log_dir,
            )
            end = time.time()
            agents = summarize(emulator.calls(agent=True))
            record = as_record(run, load)
            record.update(
                {
                    "load_after": os.getloadavg()[0],
                    "playbook": " ".join([playbook, *extra]),
                    "hosts": count,
                    "serial": serial,
                    "batch_size": batch_size(serial, count),
                    "agent_reads": dict(agents.reads),
                    "agent_writes": dict(agents.writes),
                    **service_view(emulator.services(), count, start, end),
                }
            )
            records[label] = record
            save(records)
            record["versions_after"] = check_versions(emulator, versions, count, f"{label} ({record['playbook']})")
            save(records)
    return records


def rolling_size_of(label: str, record: dict) -> str:
    return f"{record['serial']}{' (default)' if label.startswith('downgrade') else ''}"


def per_host_seconds(record: dict) -> float:
    return record["seconds"] / record["hosts"]
