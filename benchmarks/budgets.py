"""The issue's budgets, checked against measured records (benchmarks/measure.py's as_record)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import ceil

from benchmarks.fleet import parse_case
from benchmarks.measure import controller_seconds

# Operations that take many ids at once, and how many: a call per host where one per batch would do
# is what the "no per-host call a batched call can replace" budget forbids.
BATCHED_OPERATIONS = {
    "DescribeInstanceInformation": 50,
    "DescribeContainerInstances": 100,
    "ListContainerInstances": 100,
    "DescribeActivations": 50,
    "CreateActivation": 1000,
}
RERUN_SHARE_OF_FIRST = 0.40
FLEET_SECONDS_LIMIT = 60.0
FLEET_LIMIT_SIZE = 1000
# A batch of many regions and clusters costs the controller at most this much more than one cluster.
MULTI_CLUSTER_SHARE_LIMIT = 1.5


@dataclass(frozen=True)
class Check:
    budget: str
    case: str
    target: str
    measured: str
    ok: bool | None  # None: not measured in this run
    binding: bool = True  # False: shown beside a budget for comparison; missing it fails nothing

    @property
    def status(self) -> str:
        if not self.binding:
            return {True: "within (not a budget)", False: "over (not a budget)", None: "not measured"}[self.ok]
        return {True: "met", False: "MISSED", None: "not measured"}[self.ok]


def reads(record: dict) -> int:
    return sum(record["reads"].values())


def writes(record: dict) -> int:
    return sum(record["writes"].values())


def rerun_read_limit(hosts: int) -> int:
    return 3 + 2 * ceil(hosts / 50)


def activation_limit(new_hosts: int) -> int:
    return ceil(new_hosts / 1000)


def _groups(layout: dict) -> tuple[int, dict[str, int], list[int]]:
    """IAM roles, hosts per region and hosts per (region, cluster) of a layout (fleet.layout_summary);
    a cluster no host uses is not ensured, so it does not count."""
    clusters = [(region, hosts) for region, _, hosts in layout["clusters"] if hosts]
    per_region: Counter = Counter()
    for region, hosts in clusters:
        per_region[region] += hosts
    return layout["roles"], dict(per_region), [hosts for _, hosts in clusters]


def _clusters_per_region(layout: dict) -> dict[str, int]:
    counts: Counter = Counter(region for region, _, hosts in layout["clusters"] if hosts)
    return dict(counts)


def rerun_read_limit_grouped(layout: dict) -> int:
    """A re-run's reads, call by call, where a batch spans regions and clusters: per (credentials, role)
    GetRole and ListAttachedRolePolicies; per region ceil(c_r/100) DescribeClusters (the control plane
    reads a region's clusters in one call) and ceil(n_r/50) DescribeInstanceInformation; per (region,
    cluster) ceil(n_c/100) DescribeContainerInstances (it takes one cluster)."""
    roles, per_region, per_cluster = _groups(layout)
    return (
        2 * roles
        + sum(ceil(clusters / 100) for clusters in _clusters_per_region(layout).values())
        + sum(ceil(hosts / 50) for hosts in per_region.values())
        + sum(ceil(hosts / 100) for hosts in per_cluster)
    )


def rerun_read_limit_as_issued(layout: dict) -> int:
    """The issue's words: 2 per (credentials, role) + 1 per (region, cluster) + 2*ceil(n/50) per region."""
    roles, per_region, per_cluster = _groups(layout)
    return 2 * roles + len(per_cluster) + sum(2 * ceil(hosts / 50) for hosts in per_region.values())


def activations_wanted(layout: dict) -> int:
    """One activation per region (the fleet's activation group: one role, expiry and tags) per 1,000 hosts."""
    _, per_region, _ = _groups(layout)
    return sum(activation_limit(hosts) for hosts in per_region.values())


def check_rerun(case: str, hosts: int, record: dict) -> list[Check]:
    limit = rerun_read_limit(hosts)
    return [
        Check("re-run: 0 writes", case, "0", str(writes(record)), writes(record) == 0),
        Check("re-run: reads <= 3 + 2*ceil(N/50)", case, f"<= {limit}", str(reads(record)), reads(record) <= limit),
        Check("re-run: 0 changed tasks", case, "0", str(record["changed_tasks"]), record["changed_tasks"] == 0),
    ]


def check_rerun_grouped(case: str, record: dict) -> list[Check]:
    """A re-run of a batch over several regions and clusters (record["layout"]): 0 writes, 0 changes,
    reads within the issue's limit and within the call-by-call count of what the role needs."""
    read_limits = (
        (
            "2/role + 1/cluster + 2*ceil(n_r/50)/region (issue's wording)",
            rerun_read_limit_as_issued(record["layout"]),
            True,
        ),
        (
            "2/role + 1/region + ceil(n_r/50)/region + ceil(n_c/100)/cluster (call by call)",
            rerun_read_limit_grouped(record["layout"]),
            True,
        ),
    )
    return [
        Check("re-run: 0 writes", case, "0", str(writes(record)), writes(record) == 0),
        *(
            Check(
                f"re-run: reads <= {terms}",
                case,
                f"<= {limit}",
                str(reads(record)),
                reads(record) <= limit,
                binding=binding,
            )
            for terms, limit, binding in read_limits
        ),
        Check("re-run: 0 changed tasks", case, "0", str(record["changed_tasks"]), record["changed_tasks"] == 0),
    ]


def check_multi_cluster_share(case: str, many: dict, one: dict | None) -> Check:
    """The controller share of a many-cluster case against the one-cluster case of the same scenario and N."""
    budget = f"controller share <= {MULTI_CLUSTER_SHARE_LIMIT:g}x one cluster's"
    if one is None:
        return Check(budget, case, f"<= {MULTI_CLUSTER_SHARE_LIMIT:g}", "- (one cluster not measured)", None)
    ratio = controller_seconds(many) / controller_seconds(one)
    measured = f"{ratio:.2f} ({controller_seconds(many):.1f} s / {controller_seconds(one):.1f} s)"
    if "cpu_seconds" in many and "cpu_seconds" in one:
        measured += f"; CPU {many['cpu_seconds'] / one['cpu_seconds']:.2f}"
    return Check(budget, case, f"<= {MULTI_CLUSTER_SHARE_LIMIT:g}", measured, ratio <= MULTI_CLUSTER_SHARE_LIMIT)


def check_first(
    case: str, new_hosts: int, record: dict, per_host_rule: bool, activations: int | None = None
) -> list[Check]:
    """ACTIVATIONS: how many the run should create (default ceil(N_new/1000), one group)."""
    created = record["writes"].get("CreateActivation", 0)
    wanted = activation_limit(new_hosts) if activations is None else activations
    budget = (
        "first run: activations = ceil(N_new/1000)"
        if activations is None
        else "first run: activations = ceil(n_r/1000) per region"
    )
    checks = [Check(budget, case, str(wanted), str(created), created == wanted)]
    if per_host_rule:
        # Fewer calls than hosts that registered, for every batchable operation: a per-host call makes
        # at least one each (a batched lookup plus a few polling rounds stays well below).
        worst = max(
            (
                (operation, record["reads"].get(operation, 0) + record["writes"].get(operation, 0))
                for operation in BATCHED_OPERATIONS
            ),
            key=lambda item: item[1],
        )
        checks.append(
            Check(
                "first run: no per-host call a batched call can replace",
                case,
                f"each batchable operation < {new_hosts} calls (hosts registering)",
                f"{worst[0]} {worst[1]}",
                worst[1] < new_hosts,
            )
        )
    return checks


def check_rerun_time(hosts: int, first: dict, rerun: dict) -> Check:
    share = rerun["seconds"] / first["seconds"]
    return Check(
        "re-run wall time <= 40% of first run (real hosts)",
        f"real N={hosts}",
        f"<= {RERUN_SHARE_OF_FIRST:.0%}",
        f"{share:.0%} ({rerun['seconds']:.0f} s / {first['seconds']:.0f} s)",
        share <= RERUN_SHARE_OF_FIRST,
    )


def check_fleet_time(registered: dict[int, dict]) -> list[Check]:
    """registered: fleet size -> record of the 'all registered' run."""
    checks = []
    big = registered.get(FLEET_LIMIT_SIZE)
    checks.append(
        Check(
            f"controller share, N={FLEET_LIMIT_SIZE} all registered, under {FLEET_SECONDS_LIMIT:.0f} s",
            "fleet all registered",
            f"< {FLEET_SECONDS_LIMIT:.0f} s",
            f"{controller_seconds(big):.1f} s" if big else "-",
            controller_seconds(big) < FLEET_SECONDS_LIMIT if big else None,
        )
    )
    sizes = sorted(registered)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        ratio = controller_seconds(registered[large]) / controller_seconds(registered[small])
        checks.append(
            Check(
                "controller share grows no worse than linearly",
                f"fleet all registered, N={small} -> {large}",
                f"time ratio <= {large / small:g}",
                f"{ratio:.2f}",
                ratio <= large / small,
            )
        )
    else:
        checks.append(Check("controller share grows no worse than linearly", "fleet all registered", "-", "-", None))
    return checks


DRAIN_OPERATION = "UpdateContainerInstancesState"


def check_upgrade(case: str, record: dict) -> list[Check]:
    """A rolling agent upgrade (or a downgrade by pin) of record["hosts"] hosts, each on the other version
    before the run, record["batch_size"] hosts at a time, against the design (docs/upgrades.md):
    - a host is drained before its agent restarts, and ECS (the emulator schedules as a service with
      minimumHealthyPercent 100) starts a drained task's replacement on another ACTIVE instance before it
      stops it: the service never runs fewer tasks than desired (while hosts outside the batch remain);
    - the rolling play takes `serial` hosts at a time and a host is ACTIVE again before its batch ends:
      at most the batch's hosts are DRAINING at once, and each host is drained once;
    - the controller writes one UpdateContainerInstancesState to drain and one to activate per host, and
      nothing else (the hosts are registered; the SSM agent moves in place);
    - a host is never ACTIVE while its agent restarts."""
    hosts, batch = record["hosts"], record["batch_size"]
    desired, fewest = record["desired"], record["fewest_running"]
    drain_writes = record["writes"].get(DRAIN_OPERATION, 0)
    others = {op: n for op, n in record["writes"].items() if op != DRAIN_OPERATION}
    written = ", ".join(f"{op} {n}" for op, n in sorted(record["writes"].items())) or "none"
    return [
        Check(
            "agent upgrade: the service never runs fewer tasks than desired (drained tasks replaced first)",
            case,
            f">= {desired}" if batch < hosts else "- (rolling size >= hosts: no ACTIVE instance to move tasks to)",
            str(fewest),
            fewest >= desired if batch < hosts else None,
        ),
        Check(
            "agent upgrade: at most the rolling size of instances DRAINING at once",
            case,
            f"<= {batch}",
            str(record["most_draining_at_once"]),
            record["most_draining_at_once"] <= batch,
        ),
        Check(
            "agent upgrade: each host drained once",
            case,
            f"{hosts} drains",
            str(record["drains"]),
            record["drains"] == hosts,
        ),
        Check(
            f"agent upgrade: writes = 2 {DRAIN_OPERATION} per host (drain, ACTIVE), nothing else",
            case,
            f"{DRAIN_OPERATION} {2 * hosts}",
            written,
            drain_writes == 2 * hosts and not others,
        ),
        Check(
            "agent upgrade: no instance ACTIVE while its agent is disconnected",
            case,
            "0",
            str(record["active_while_disconnected"]),
            record["active_while_disconnected"] == 0,
        ),
    ]


def check_all(results: dict) -> list[Check]:
    checks: list[Check] = []
    for size, runs in sorted(results.get("real", {}).items(), key=lambda item: int(item[0])):
        hosts = int(size)
        checks += check_first(f"real N={hosts}", hosts, runs["first registration"], per_host_rule=False)
        checks += check_rerun(f"real N={hosts}", hosts, runs["re-run"])
        checks.append(check_rerun_time(hosts, runs["first registration"], runs["re-run"]))
    fleet = results.get("fleet", {})
    for size, record in sorted(fleet.get("all new", {}).items(), key=lambda item: int(item[0])):
        checks += check_first(f"fleet all new N={size}", int(size), record, per_host_rule=True)
    for size, record in sorted(fleet.get("10% stale", {}).items(), key=lambda item: int(item[0])):
        stale = ceil(int(size) / 10)
        checks += check_first(f"fleet 10% stale N={size}", stale, record, per_host_rule=True)
    registered = {int(size): record for size, record in fleet.get("all registered", {}).items()}
    for size, record in sorted(registered.items()):
        checks += check_rerun(f"fleet all registered N={size}", size, record)
    checks += check_fleet_time(registered)
    for case, runs in fleet.items():
        scenario, layout = parse_case(case)
        if case == scenario:
            continue  # one cluster: above
        for size, record in sorted(runs.items(), key=lambda item: int(item[0])):
            name = f"fleet {scenario} N={size}, {layout}"
            if scenario == "all registered":
                checks += check_rerun_grouped(name, record)
            elif scenario == "all new":
                checks += check_first(
                    name, int(size), record, per_host_rule=True, activations=activations_wanted(record["layout"])
                )
            checks.append(check_multi_cluster_share(name, record, fleet.get(scenario, {}).get(size)))
    for size, runs in sorted(results.get("upgrade", {}).items(), key=lambda item: int(item[0])):
        for label, record in runs.items():
            checks += check_upgrade(f"upgrade N={size}, {label}", record)
    return checks
