"""The issue's budgets, checked against measured records (benchmarks/measure.py's as_record)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

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


@dataclass(frozen=True)
class Check:
    budget: str
    case: str
    target: str
    measured: str
    ok: bool | None  # None: not measured in this run

    @property
    def status(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.ok]


def reads(record: dict) -> int:
    return sum(record["reads"].values())


def writes(record: dict) -> int:
    return sum(record["writes"].values())


def rerun_read_limit(hosts: int) -> int:
    return 3 + 2 * ceil(hosts / 50)


def activation_limit(new_hosts: int) -> int:
    return ceil(new_hosts / 1000)


def check_rerun(case: str, hosts: int, record: dict) -> list[Check]:
    limit = rerun_read_limit(hosts)
    return [
        Check("re-run: 0 writes", case, "0", str(writes(record)), writes(record) == 0),
        Check("re-run: reads <= 3 + 2*ceil(N/50)", case, f"<= {limit}", str(reads(record)), reads(record) <= limit),
        Check("re-run: 0 changed tasks", case, "0", str(record["changed_tasks"]), record["changed_tasks"] == 0),
    ]


def check_first(case: str, new_hosts: int, record: dict, per_host_rule: bool) -> list[Check]:
    created = record["writes"].get("CreateActivation", 0)
    wanted = activation_limit(new_hosts)
    checks = [Check("first run: activations = ceil(N_new/1000)", case, str(wanted), str(created), created == wanted)]
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
    return checks
