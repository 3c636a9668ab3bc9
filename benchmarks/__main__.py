"""make bench: what a registration, a re-run and a rolling agent upgrade cost, and how it grows with the fleet.

  python -m benchmarks [--real-sizes 1,2,4] [--fleet-sizes 100,500,1000] [--scenarios ...]
                       [--multi-sizes 1000] [--multi-scenarios ...]
                       [--upgrade-sizes 4] [--upgrade-serials 1,2] [--report-only]

Measures against the test world's emulator (its call log), writes benchmarks/results.json,
benchmarks/RESULTS.md and benchmarks/results.png, checks the budgets (issue 9's and the agent upgrade's
rules) and exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import budgets, fleet, real, report, upgrade
from benchmarks.measure import REPO, as_record, run_playbook
from tests.emulator.client import Emulator
from tests.emulator.fixture import start_emulator_process, stop_emulator_process

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
PLOT = HERE / "results.png"
FLEET_PLAYBOOK = "benchmarks/fleet.yml"


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def serials(text: str) -> list[str]:
    """Rolling sizes as ecs_anywhere_upgrade_serial takes them: a number of hosts or a percentage."""
    values = [part.strip() for part in text.split(",") if part.strip()]
    for value in values:
        number = value[:-1] if value.endswith("%") else value
        if not number.isdigit() or int(number) < 1:
            raise argparse.ArgumentTypeError(f"{value!r}: a number of hosts or a percentage, e.g. 2 or 25%")
    return values


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def versions() -> dict[str, str]:
    script = (
        "import ansible.release, boto3, moto, importlib.metadata as m;"
        "print(ansible.release.__version__, m.version('ansible'), m.version('boto3'), m.version('moto'))"
    )
    core, package, boto3, moto = subprocess.check_output([sys.executable, "-c", script], text=True).split()
    return {"ansible-core": core, "ansible (package)": package, "boto3": boto3, "moto (emulator)": moto}


def collection_revision() -> str:
    head = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True).strip()
    other = os.environ.get("BENCH_COLLECTIONS_PATH")
    if other:
        return f"{other} (BENCH_COLLECTIONS_PATH; repository at {head})"
    dirty = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", "roles", "plugins", "playbooks"], check=False, cwd=REPO
    ).returncode
    return f"{head}{' with uncommitted changes in roles/plugins/playbooks' if dirty else ''}"


def describe_machine(started: datetime) -> dict:
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    return {
        "date (UTC)": started.strftime("%Y-%m-%d %H:%M"),
        "CPUs": f"{os.cpu_count()} x {model}",
        "RAM": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        **versions(),
        "collection measured": collection_revision(),
        "load average at start (1/5/15 min)": " / ".join(f"{value:.1f}" for value in os.getloadavg()),
    }


def run_real_part(counts: list[int], work_dir: Path, results: dict, save) -> None:
    for count in counts:
        log(f"real hosts N={count}: world up, site.yml, site.yml again, deregister.yml")
        load = os.getloadavg()[0]
        runs = real.run_size(count, work_dir, work_dir / "logs")
        results[str(count)] = {label: as_record(run, load) for label, run in runs.items()}
        save()
        log(
            f"real hosts N={count}: "
            + ", ".join(f"{label} {run.seconds:.0f} s {run.calls.total} calls" for label, run in runs.items())
        )


def run_upgrade_part(counts: list[int], serials: list[str], work_dir: Path, results: dict, save) -> None:
    for count in counts:
        log(
            f"agent upgrades N={count}: world up, site.yml on the old agents, a service of {count} tasks, "
            + ", ".join(label for label, *_ in upgrade.plan(serials))
        )

        def keep(records: dict, count: int = count) -> None:
            results[str(count)] = dict(records)
            save()

        runs = upgrade.run_size(count, serials, work_dir, work_dir / "logs", keep)
        log(
            f"agent upgrades N={count}: "
            + ", ".join(
                f"{label} {run['seconds']:.0f} s, {sum(run['writes'].values())} writes, "
                f"fewest running {run['fewest_running']}, most draining {run['most_draining_at_once']}"
                for label, run in runs.items()
            )
        )


def fleet_cases(counts, scenarios, multi_counts, multi_scenarios) -> list[tuple[str, int, fleet.Layout]]:
    """(scenario, N, layout) in the order they run: each many-cluster case right after the one-cluster
    case of the same scenario and N, so that the two compared meet about the same machine load."""
    cases = []
    for scenario in dict.fromkeys([*scenarios, *multi_scenarios]):
        for count in sorted({*counts, *multi_counts}):
            if scenario in scenarios and count in counts:
                cases.append((scenario, count, fleet.ONE_CLUSTER))
            if scenario in multi_scenarios and count in multi_counts:
                cases.append((scenario, count, fleet.TEN_CLUSTERS))
    return cases


def run_fleet_part(cases: list[tuple[str, int, fleet.Layout]], work_dir: Path, results: dict, save) -> None:
    process, url = start_emulator_process()
    try:
        emulator = Emulator(url)
        for scenario, count, layout in cases:
            case = fleet.case_name(scenario, layout)
            emulator.reset()
            # Registered hosts stay Online however long the run takes (their agents would heartbeat).
            emulator.set_ping_timeout(24 * 3600)
            # The control plane as a first run leaves it (every cluster of the layout); not part of the
            # measured run's setup cost.
            hosts_only = fleet.control_plane_inventory(work_dir / "fleet-control-plane.json", url, count, layout)
            run_playbook(
                "fleet-control-plane",
                ["-i", str(hosts_only), "-e", "bench_role_hosts=none", FLEET_PLAYBOOK],
                emulator,
                work_dir / "logs",
            )
            log(f"fleet {case} N={count}: preparing the emulator")
            inventory = fleet.prepare(emulator, scenario, count, work_dir / "fleet-inventory.json", layout)
            load = os.getloadavg()[0]
            name = f"fleet-{case.replace(', ', '-').replace(' ', '-').replace('%', 'pc')}-{count}"
            run = run_playbook(name, ["-i", str(inventory), FLEET_PLAYBOOK], emulator, work_dir / "logs")
            record = as_record(run, load)
            record["load_after"] = os.getloadavg()[0]
            record["layout"] = fleet.layout_summary(layout, count)
            results.setdefault(case, {})[str(count)] = record
            save()
            log(f"fleet {case} N={count}: {run.seconds:.1f} s, {run.calls.total} calls ({run.calls.by_operation()})")
    finally:
        stop_emulator_process(process)


def merge(earlier: dict, later: dict) -> dict:
    """Results of several invocations as one: later sizes replace earlier ones; machine notes of each part kept."""
    merged = {
        "machine": dict(earlier.get("machine", {})),
        "real": dict(earlier.get("real", {})),
        "fleet": {},
        "upgrade": dict(earlier.get("upgrade", {})),
    }
    for key, value in later.get("machine", {}).items():
        if key in merged["machine"] and merged["machine"][key] != value:
            merged["machine"][key] = f"{merged['machine'][key]}; {value}"
        else:
            merged["machine"][key] = value
    merged["real"].update(later.get("real", {}))
    merged["upgrade"].update(later.get("upgrade", {}))
    if earlier.get("notes") or later.get("notes"):
        merged["notes"] = [*earlier.get("notes", []), *later.get("notes", [])]
    for scenario in {*earlier.get("fleet", {}), *later.get("fleet", {})}:
        merged["fleet"][scenario] = {
            **earlier.get("fleet", {}).get(scenario, {}),
            **later.get("fleet", {}).get(scenario, {}),
        }
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--real-sizes", type=sizes, default=[1, 2, 4], help="test-world hosts, e.g. 1,2,4 ('' skips)")
    parser.add_argument("--fleet-sizes", type=sizes, default=[100, 500, 1000], help="simulated hosts ('' skips)")
    parser.add_argument("--scenarios", default=",".join(fleet.SCENARIOS), help="fleet scenarios, comma-separated")
    parser.add_argument(
        "--multi-sizes",
        type=sizes,
        default=[1000],
        help=f"simulated hosts spread over {fleet.TEN_CLUSTERS.name} ('' skips)",
    )
    parser.add_argument(
        "--multi-scenarios",
        default="all registered,all new",
        help=f"fleet scenarios over {fleet.TEN_CLUSTERS.name}, comma-separated",
    )
    parser.add_argument(
        "--upgrade-sizes",
        type=sizes,
        default=[4],
        help="test-world hosts whose agents are upgraded and downgraded ('' skips)",
    )
    parser.add_argument(
        "--upgrade-serials",
        type=serials,
        default=["1", "2"],
        help="rolling sizes of the upgrades, in order (a downgrade by pin before each but the first), e.g. 1,2 or 25%%",
    )
    parser.add_argument("--work-dir", type=Path, default=REPO / ".build" / "bench", help="worlds, inventories, logs")
    parser.add_argument(
        "--report-only", action="store_true", help="re-render RESULTS.md and the plot from results.json"
    )
    parser.add_argument("--keep", action="store_true", help="keep earlier results of the sizes not run now")
    parser.add_argument("--results", type=Path, default=RESULTS_JSON, help="where the measured results go")
    parser.add_argument("--merge", type=Path, nargs="*", default=[], help="with --report-only: more results files")
    parser.add_argument("--note", action="append", default=[], help="a note on this run for RESULTS.md (repeatable)")
    args = parser.parse_args(argv)
    scenarios = [scenario.strip() for scenario in args.scenarios.split(",") if scenario.strip()]
    multi_scenarios = [scenario.strip() for scenario in args.multi_scenarios.split(",") if scenario.strip()]
    unknown = {*scenarios, *multi_scenarios} - set(fleet.SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(fleet.SCENARIOS)}")

    if args.report_only:
        results = json.loads(args.results.read_text())
        for path in args.merge:
            results = merge(results, json.loads(path.read_text()))
    else:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        started = datetime.now(UTC)
        previous = json.loads(args.results.read_text()) if args.keep and args.results.exists() else {}
        measured: dict = {"machine": describe_machine(started), "real": {}, "fleet": {}, "upgrade": {}}

        def save() -> None:
            """After every measured size: an interrupted benchmark keeps what it measured."""
            measured["machine"]["load average at end (1/5/15 min)"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
            minutes = (datetime.now(UTC) - started).total_seconds() / 60
            measured["machine"]["benchmark duration"] = f"{minutes:.1f} min"
            args.results.write_text(json.dumps(merge(previous, measured) if previous else measured, indent=1) + "\n")

        if args.real_sizes:
            run_real_part(args.real_sizes, args.work_dir, measured["real"], save)
        cases = fleet_cases(args.fleet_sizes, scenarios, args.multi_sizes, multi_scenarios)
        if cases:
            run_fleet_part(cases, args.work_dir, measured["fleet"], save)
        if args.upgrade_sizes and args.upgrade_serials:
            run_upgrade_part(args.upgrade_sizes, args.upgrade_serials, args.work_dir, measured["upgrade"], save)
        save()
        results = json.loads(args.results.read_text())

    if args.note:
        results["notes"] = [*results.get("notes", []), *args.note]
        args.results.write_text(json.dumps(results, indent=1) + "\n")
    checks = budgets.check_all(results)
    RESULTS_MD.write_text(report.render(results, checks, PLOT.name))
    report.plot(results, PLOT)
    missed = [check for check in checks if check.ok is False and check.binding]
    for check in checks:
        print(f"{check.status:>12}  {check.budget} [{check.case}]: {check.measured} (target {check.target})")
    print(f"wrote {RESULTS_MD.relative_to(REPO)} and {PLOT.relative_to(REPO)}")
    if missed:
        print(f"{len(missed)} budget(s) missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
