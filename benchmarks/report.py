"""benchmarks/RESULTS.md and the plot, from the results the driver gathered (results.json)."""

from __future__ import annotations

from math import ceil

from benchmarks import alternatives, upgrade
from benchmarks.budgets import (
    Check,
    activations_wanted,
    reads,
    rerun_read_limit_as_issued,
    rerun_read_limit_grouped,
    writes,
)
from benchmarks.fleet import parse_case
from benchmarks.measure import controller_seconds
from benchmarks.upgrade import per_host_seconds, rolling_size_of

REAL_RUNS = ("first registration", "re-run", "deregistration")
SCENARIOS = ("all new", "all registered", "10% stale")


def by_operation(record: dict) -> str:
    parts = [f"{op} {n}" for op, n in sorted(record["reads"].items(), key=lambda item: (-item[1], item[0]))]
    parts += [f"**{op} {n}**" for op, n in sorted(record["writes"].items(), key=lambda item: (-item[1], item[0]))]
    return ", ".join(parts) or "none"


def rss(record: dict) -> str:
    """Peak RSS in MiB; '-' where it was not measured (a run reconstructed from its log and the call log)."""
    return "-" if record.get("peak_rss_mb") is None else f"{record['peak_rss_mb']:.0f}"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def real_table(real: dict) -> str:
    rows = []
    for size in sorted(real, key=int):
        for label in REAL_RUNS:
            record = real[size].get(label)
            if record is None:
                continue
            rows.append(
                [
                    size,
                    label,
                    f"{record['seconds']:.1f}",
                    reads(record),
                    writes(record),
                    record["changed_tasks"],
                    record.get("downloads", "-"),
                    rss(record),
                    by_operation(record),
                ]
            )
    return table(
        [
            "N",
            "run",
            "wall s",
            "reads",
            "writes",
            "changed tasks",
            "downloads",
            "peak RSS MiB",
            "AWS calls (writes bold)",
        ],
        rows,
    )


def fleet_cases(fleet: dict) -> list[str]:
    """The fleet's cases in report order: one cluster by scenario, then the many-cluster ones."""
    single = [scenario for scenario in SCENARIOS if scenario in fleet]
    return single + sorted(case for case in fleet if case not in SCENARIOS)


def registering_hosts(case: str, size: int) -> int:
    return {"all new": size, "10% stale": ceil(size / 10)}.get(parse_case(case)[0], 0)


def per_host_operations(record: dict, hosts: int) -> str:
    """Operations called at least once per registering host (batched ones would be called far less)."""
    if not hosts:
        return "-"
    counts = {**record["reads"], **{op: record["writes"][op] + record["reads"].get(op, 0) for op in record["writes"]}}
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items()) if n >= hosts) or "none"


def fleet_table(fleet: dict) -> str:
    rows = []
    for scenario in fleet_cases(fleet):
        for size in sorted(fleet.get(scenario, {}), key=int):
            record = fleet[scenario][size]
            rows.append(
                [
                    scenario,
                    size,
                    f"{record['seconds']:.1f}",
                    f"{record.get('stand_in_seconds', 0.0):.1f}",
                    f"{controller_seconds(record):.1f}",
                    f"{controller_seconds(record) / int(size) * 1000:.0f}",
                    f"{record['cpu_seconds']:.1f}" if "cpu_seconds" in record else "-",
                    reads(record),
                    writes(record),
                    record["changed_tasks"],
                    rss(record),
                    by_operation(record),
                    per_host_operations(record, registering_hosts(scenario, int(size))),
                ]
            )
    return table(
        [
            "scenario",
            "N",
            "wall s",
            "of which stand-ins s",
            "controller share s",
            "share ms/host",
            "CPU s (whole run)",
            "reads",
            "writes",
            "changed",
            "peak RSS MiB",
            "controller's AWS calls (writes bold)",
            "once per registering host or more",
        ],
        rows,
    )


def by_region(record: dict) -> str:
    """'eu-west-1: DescribeInstanceInformation 10, ...; us-east-1: ...' from the call log's regions."""
    regions = record.get("calls_by_region") or {}
    return (
        "; ".join(
            f"{region}: "
            + ", ".join(f"{op} {n}" for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for region, counts in sorted(regions.items())
        )
        or "-"
    )


def layout_text(layout: dict) -> str:
    per_region: dict[str, list[int]] = {}
    for region, _, hosts in layout["clusters"]:
        per_region.setdefault(region, []).append(hosts)
    return "; ".join(
        f"{region}: {len(counts)} cluster(s), {sum(counts)} hosts" for region, counts in per_region.items()
    )


def load_text(record: dict | None) -> str:
    """The 1-minute load average when the run started and when it ended (2 cores)."""
    if record is None or record.get("load_before") is None:
        return "-"
    after = record.get("load_after")
    return f"{record['load_before']:.1f}" + ("" if after is None else f"-{after:.1f}")


def ratio(many: float, one: float | None) -> str:
    return f"{many / one:.2f}" if one else "-"


def multi_cluster_table(fleet: dict) -> str:
    rows = []
    for case in fleet_cases(fleet):
        scenario, _ = parse_case(case)
        if case == scenario:
            continue
        for size in sorted(fleet[case], key=int):
            record = fleet[case][size]
            one = fleet.get(scenario, {}).get(size)
            layout = record["layout"]
            limits = (
                f"{rerun_read_limit_grouped(layout)} / {rerun_read_limit_as_issued(layout)}"
                if scenario == "all registered"
                else "-"
            )
            rows.append(
                [
                    case,
                    size,
                    layout_text(layout),
                    f"{controller_seconds(record):.1f}",
                    f"{controller_seconds(one):.1f}" if one else "-",
                    ratio(controller_seconds(record), controller_seconds(one) if one else None),
                    f"{record.get('cpu_seconds', 0):.1f}",
                    f"{one['cpu_seconds']:.1f}" if one and "cpu_seconds" in one else "-",
                    ratio(record.get("cpu_seconds", 0), one.get("cpu_seconds") if one else None),
                    " / ".join(load_text(r) for r in (record, one)),
                    reads(record),
                    limits,
                    writes(record),
                    activations_wanted(layout) if scenario == "all new" else "-",
                    by_operation(record),
                    by_region(record),
                ]
            )
    if not rows:
        return "Not run (`--multi-sizes` empty)."
    return table(
        [
            "case",
            "N",
            "hosts",
            "controller share s",
            "one cluster s",
            "ratio",
            "CPU s",
            "one cluster CPU s",
            "CPU ratio",
            "1-min load before-after (this / one cluster)",
            "reads",
            "re-run read limit (grouped / issue's wording)",
            "writes",
            "activations wanted",
            "controller's AWS calls (writes bold)",
            "by region (the call's signing region; IAM's is the client's)",
        ],
        rows,
    )


def agent_calls(record: dict) -> str:
    """The agents' own calls during the run (heartbeats, registration with the new version), if recorded."""
    if "agent_reads" not in record:
        return "-"
    return by_operation({"reads": record["agent_reads"], "writes": record["agent_writes"]})


def upgrade_table(upgrade: dict) -> str:
    rows = []
    for size in sorted(upgrade, key=int):
        for label, record in upgrade[size].items():
            versions = record.get("versions_after") or {}
            rows.append(
                [
                    size,
                    label,
                    rolling_size_of(label, record),
                    f"{record['seconds']:.1f}",
                    f"{per_host_seconds(record):.1f}",
                    reads(record),
                    writes(record),
                    record["writes"].get("UpdateContainerInstancesState", 0),
                    record["reads"].get("DescribeContainerInstances", 0),
                    f"{record['fewest_running']} of {record['desired']}",
                    record["most_draining_at_once"],
                    record["drains"],
                    " / ".join(versions.get(key, "?") for key in ("ecs_agent", "ssm_agent")) if versions else "-",
                    load_text(record),
                    by_operation(record),
                    agent_calls(record),
                ]
            )
    return table(
        [
            "N",
            "run",
            "rolling size",
            "wall s",
            "wall s per host",
            "reads",
            "writes",
            "UpdateContainerInstancesState",
            "DescribeContainerInstances",
            "fewest running",
            "most DRAINING at once",
            "drains",
            "ECS / SSM agent after",
            "1-min load before-after",
            "controller's AWS calls (writes bold)",
            "agents' own calls (writes bold)",
        ],
        rows,
    )


def slowest_table(record: dict) -> str:
    return table(
        ["task", "s", "hosts changed"],
        [[task["name"], f"{task['seconds']:.1f}", task["changed"]] for task in record["slowest_tasks"]],
    )


def split_table(fleet: dict) -> str:
    rows = []
    for scenario in fleet_cases(fleet):
        for size in sorted(fleet.get(scenario, {}), key=int):
            split = fleet[scenario][size].get("time_split")
            if split:
                rows.append([scenario, size, *(f"{value:.1f}" for value in split.values())])
    if not rows:
        return "Not recorded for these runs."
    return table(
        ["scenario", "N", "run-once tasks s", "per-host tasks s", "outside tasks s", "stand-ins s"],
        [row + ["-"] * (6 - len(row)) for row in rows],
    )


def measured_rerun(results: dict, size: int) -> dict | None:
    real = results.get("real", {}).get(str(size), {}).get("re-run")
    return real or results.get("fleet", {}).get("all registered", {}).get(str(size))


def alternatives_rows(results: dict, sizes: list[int]) -> list[list]:
    rows = []
    for size in sizes:
        ours = measured_rerun(results, size)
        on_real_hosts = str(size) in results.get("real", {})
        if ours is not None:
            rows.append(
                [
                    size,
                    "this collection (measured)",
                    reads(ours),
                    writes(ours),
                    ours.get("downloads", "-") if on_real_hosts else "- (hosts simulated)",
                    ours["changed_tasks"],
                    "yes",
                ]
            )
        for name, model in (
            ("AWS install script, per host (model)", alternatives.install_script_rerun),
            ("per-host activation playbook (model)", alternatives.per_host_playbook_rerun),
            ("per-host lookup playbook (model)", alternatives.per_host_lookup_rerun),
        ):
            cost = model(size)
            rows.append(
                [
                    size,
                    name,
                    cost.reads,
                    cost.writes,
                    cost.downloads,
                    "-" if cost.changed_tasks is None else cost.changed_tasks,
                    "yes" if cost.detects_stale else "no",
                ]
            )
    return rows


def budgets_table(checks: list[Check]) -> str:
    return table(
        ["budget", "case", "target", "measured", "status"],
        [[check.budget, check.case, check.target, check.measured, check.status] for check in checks],
    )


def machine_lines(machine: dict) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in machine.items())


def render(results: dict, checks: list[Check], plot_name: str) -> str:
    sizes = sorted(
        {int(size) for size in results.get("real", {})}
        | {int(size) for runs in results.get("fleet", {}).values() for size in runs}
    )
    parts = [
        "# Benchmark: what a registration, a re-run and a rolling agent upgrade cost",
        "",
        "Generated by `make bench` (`python -m benchmarks`); do not edit by hand. Method: `benchmarks/README.md`.",
        "",
        "## Machine",
        "",
        machine_lines(results["machine"]),
        "",
        "The machine may have been shared with other work (test worlds, lint, molecule runs) while",
        "this ran: the load averages above and each run's `load_before` in `results.json` show how much.",
        "Wall times are therefore upper bounds; call counts do not depend on load.",
        "",
        *(
            ["## Notes on this run", "", *(f"- {note}" for note in results["notes"]), ""]
            if results.get("notes")
            else []
        ),
        "## Budgets",
        "",
        budgets_table(checks),
        "",
        "## 1. Real hosts (test world, podman systemd hosts, Debian bookworm)",
        "",
        "`playbooks/site.yml` on fresh hosts, again, then `playbooks/deregister.yml`. AWS calls are the",
        "controller's (the agents' own calls, e.g. registration and heartbeats, are not counted). Downloads:",
        "`get_url` tasks that ran on the hosts. Peak RSS: the largest controller process (ansible-playbook or",
        "one of its workers).",
        "",
        real_table(results.get("real", {})) if results.get("real") else "Not run (`--real-sizes` empty).",
        "",
        "## 2. Controller share at fleet size (simulated hosts)",
        "",
        "`benchmarks/fleet.yml`: the control plane, then the external_instance role's own controller-side",
        "task files in main.yml's order (platform, preflight, classify, activation, leave,",
        "activation_cleanup, verify) over N inventory hosts whose facts and local reads (`local_state.yml`)",
        "are given as a real host returns them. Every task of the role counts in the controller share;",
        "only the stand-ins for the hosts' side (their facts, their agents' registration) are taken out.",
        "CPU s is the CPU time of ansible-playbook and its workers, stand-ins included: the figure that",
        "depends least on the machine's load.",
        "The emulator holds what earlier runs would have left: for *all registered* N managed instances",
        "(registered through an activation by the stand-in agents' calls, Online, named) and N ACTIVE",
        "container instances; *10% stale* is the same with every tenth managed instance deregistered in",
        "SSM while its host still holds the old key and its container instance is still ACTIVE; *all new*",
        "hosts have nothing. For hosts that need to register, `benchmarks/fleet_agents.py` plays the",
        "agents after the role created the activation: it registers with the activation id and code the",
        "role handed over (RegisterManagedInstance, heartbeat, RegisterContainerInstance, with the agents'",
        "User-Agents, so they are not counted as the controller's). Host-side work (package installs,",
        "config files, the local reads) is not part of this share.",
        "",
        fleet_table(results.get("fleet", {})) if results.get("fleet") else "Not run (`--fleet-sizes` empty).",
        "",
    ]
    parts += [
        "## 2b. One batch over many regions and clusters (simulated hosts)",
        "",
        "The same run over N hosts spread evenly over several ECS clusters in two regions (each host's",
        "`ecs_anywhere_region` and `ecs_anywhere_cluster` as host vars; the emulator serves every region from",
        "one endpoint, state kept per region). The control plane play ensures every (region, cluster) of the",
        "fleet's hosts (`ecs_anywhere_control_plane_hosts`), as site.yml does; the stand-in agents register",
        "each host in its own region and cluster with the activation the role gave it. Compared with the",
        "one-cluster case of the same scenario and N, measured right before it from the same code. Re-run",
        "read limits, both budgets: grouped (call by call) = 2 per (credentials, role) + 1 per region",
        "[DescribeClusters, a region's clusters in one call] + ceil(n_r/50) per region [DescribeInstanceInformation]",
        "+ ceil(n_c/100) per (region, cluster) [DescribeContainerInstances]; the issue's wording = 2 per role +",
        "1 per (region, cluster) + 2*ceil(n_r/50) per region.",
        "",
        multi_cluster_table(results.get("fleet", {})),
        "",
    ]
    for case in fleet_cases(results.get("fleet", {})):
        runs = results["fleet"][case]
        if case == parse_case(case)[0] or not runs:
            continue
        largest = max(runs, key=int)
        parts += [f"The five slowest tasks, *{case}*, N={largest}:", "", slowest_table(runs[largest]), ""]
    registered = results.get("fleet", {}).get("all registered", {})
    if registered:
        largest = max(registered, key=int)
        parts += [
            f"Where the time goes, *all registered*, N={largest} (the five slowest tasks, as profile_tasks counts):",
            "",
            slowest_table(registered[largest]),
            "",
            "Wall time by kind of task, per scenario and N (tasks that ran on one host, e.g. the batched lookups",
            "and the activation; tasks evaluated for every host, e.g. set_fact and skipped conditionals; the rest",
            "is ansible-playbook's start, parsing and recap):",
            "",
            split_table(results.get("fleet", {})),
            "",
        ]
    parts += [
        "## 3. A re-run with every host registered, side by side",
        "",
        "Only this collection's row is measured. The others are models computed from the tools' published",
        "behaviour (`benchmarks/alternatives.py`): AWS's `ecs-anywhere-install.sh` run again on each host",
        "(script, SSM agent package and signature fetched again; no AWS call, so a host SSM forgot stays",
        "broken), a playbook that creates one activation per host per run and runs that script (as",
        "gaggle-net/ansible-collection-ecs-anywhere's `aws-script-install.yml` does), and a playbook that",
        "checks each host with its own SSM and ECS lookups. 'Detects stale' = notices an identity SSM no",
        "longer knows. The re-run read budget is 3 + 2*ceil(N/50); the role's design needs 3 + ceil(N/50) + ceil(N/100).",
        "",
        table(
            ["N", "approach", "reads", "writes", "downloads", "changed tasks", "detects stale"],
            alternatives_rows(results, sizes),
        ),
        "",
        f"![AWS calls and wall time against N]({plot_name})",
        "",
    ]
    parts += [
        "## 4. Rolling agent upgrades (test world, Debian bookworm hosts)",
        "",
        "A world of its own: N hosts registered with `site.yml` on the old agents (pinned: ecs-init",
        f"{upgrade.OLD['ecs_init']}, SSM agent {upgrade.OLD['ssm_agent']}), then a service `{upgrade.SERVICE}` of N tasks in "
        f"cluster `{upgrade.CLUSTER}` of {upgrade.REGION}",
        "(the emulator places them as ECS does). Measured in order: `playbooks/upgrade.yml -e",
        "ecs_anywhere_upgrade_serial=S` for each rolling size S, and before each upgrade but the first a",
        "downgrade by pin (`site.yml` with the old versions pinned, rolling size 1, the default). The newest",
        f"agents: ecs-init {upgrade.NEW['ecs_init']}, SSM agent {upgrade.NEW['ssm_agent']}. After each run every host must report",
        "the expected versions (SSM's AgentVersion, ECS's agentVersion, ACTIVE and connected) or the",
        "benchmark stops. From the emulator's ECS records over the run: the fewest RUNNING tasks of the",
        "service, the most container instances DRAINING at one moment, the number of drains. Reads and",
        "writes are the controller's; the agents' own calls (registration of the new version, heartbeats,",
        "which grow with the run's length) are shown apart. Wall s per host = wall s / N.",
        "",
        "Budgets, from the design (docs/upgrades.md), not from measurements: the emulator schedules a service",
        "as ECS does with minimumHealthyPercent 100 (a drained task's replacement runs before it stops) and the",
        "role restarts an agent only once its instance runs no task, so the service never runs fewer tasks",
        "than desired while hosts outside the batch remain ACTIVE (a weaker N - S would allow a loss the design",
        "does not); the rolling play drains at most S hosts at once, each once, and writes one",
        "UpdateContainerInstancesState to drain and one to activate per host, nothing else; no instance is",
        "ACTIVE while its agent is disconnected. DescribeContainerInstances polls while a host drains and",
        "while its agent reconnects, so its count depends on timing and has no budget.",
        "",
        upgrade_table(results["upgrade"]) if results.get("upgrade") else "Not run (`--upgrade-sizes` empty).",
        "",
    ]
    return "\n".join(parts)


def plot(results: dict, path) -> None:
    import matplotlib  # noqa: PLC0415 (only the benchmark needs it)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fleet = results.get("fleet", {})
    real = results.get("real", {})
    sizes = sorted({int(s) for s in real} | {int(s) for runs in fleet.values() for s in runs})
    if not sizes:
        return
    figure, (calls_axis, time_axis) = plt.subplots(1, 2, figsize=(12, 4.8))

    ours = [(n, measured_rerun(results, n)) for n in sizes]
    ours = [(n, reads(r) + writes(r)) for n, r in ours if r is not None]
    if ours:
        calls_axis.plot(*zip(*ours, strict=True), "o-", label="this collection, re-run (measured)")
    for case in fleet_cases(fleet):
        scenario, layout = parse_case(case)
        if scenario == "all registered" and case != scenario:
            points = sorted((int(n), reads(r) + writes(r)) for n, r in fleet[case].items())
            calls_axis.plot(*zip(*points, strict=True), "D", label=f"this collection, re-run, {layout}")
    calls_axis.plot(
        sizes, [alternatives.per_host_lookup_rerun(n).calls for n in sizes], "s--", label="per-host lookup (model)"
    )
    calls_axis.plot(
        sizes,
        [alternatives.per_host_playbook_rerun(n).calls for n in sizes],
        "^--",
        label="per-host activation (model)",
    )
    calls_axis.plot(
        sizes,
        [alternatives.install_script_rerun(n).downloads for n in sizes],
        "x:",
        label="install script: downloads (model)",
    )
    calls_axis.plot(sizes, [3 + 2 * ceil(n / 50) for n in sizes], "k:", linewidth=1, label="budget 3 + 2*ceil(N/50)")
    calls_axis.set(
        xscale="log", yscale="log", xlabel="hosts N", ylabel="AWS calls per re-run", title="AWS calls, re-run"
    )
    calls_axis.legend(fontsize=8)

    for scenario, marker in zip(fleet_cases(fleet), "o^sDvP*X", strict=False):
        points = sorted((int(n), controller_seconds(r)) for n, r in fleet.get(scenario, {}).items())
        if points:
            time_axis.plot(*zip(*points, strict=True), marker + "-", label=f"controller share: {scenario}")
    for label, marker in (("first registration", "D"), ("re-run", "v")):
        points = sorted((int(n), runs[label]["seconds"]) for n, runs in real.items() if label in runs)
        if points:
            time_axis.plot(*zip(*points, strict=True), marker + "--", label=f"real hosts: {label}")
    time_axis.axhline(60, color="k", linestyle=":", linewidth=1, label="60 s (N=1000 all registered)")
    time_axis.set(xscale="log", yscale="log", xlabel="hosts N", ylabel="wall time, s", title="Wall time")
    time_axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
