"""benchmarks/RESULTS.md and the plot, from the results the driver gathered (results.json)."""

from __future__ import annotations

from math import ceil

from benchmarks import alternatives
from benchmarks.budgets import Check, reads, writes
from benchmarks.measure import controller_seconds

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


def registering_hosts(scenario: str, size: int) -> int:
    return {"all new": size, "10% stale": ceil(size / 10)}.get(scenario, 0)


def per_host_operations(record: dict, hosts: int) -> str:
    """Operations called at least once per registering host (batched ones would be called far less)."""
    if not hosts:
        return "-"
    counts = {**record["reads"], **{op: record["writes"][op] + record["reads"].get(op, 0) for op in record["writes"]}}
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items()) if n >= hosts) or "none"


def fleet_table(fleet: dict) -> str:
    rows = []
    for scenario in SCENARIOS:
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


def slowest_table(record: dict) -> str:
    return table(
        ["task", "s", "hosts changed"],
        [[task["name"], f"{task['seconds']:.1f}", task["changed"]] for task in record["slowest_tasks"]],
    )


def split_table(fleet: dict) -> str:
    rows = []
    for scenario in SCENARIOS:
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
        "# Benchmark: what a registration and a re-run cost",
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

    for scenario, marker in zip(SCENARIOS, "o^s", strict=True):
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
