"""The alternatives' cost models, the call summary and the report tables of benchmarks/."""

from benchmarks import alternatives, report
from benchmarks.budgets import Check
from benchmarks.calls import summarize


def test_install_script_model_calls_nothing_downloads_three_per_host_and_misses_stale():
    cost = alternatives.install_script_rerun(500)
    assert (cost.calls, cost.downloads, cost.detects_stale) == (0, 1500, False)


def test_per_host_models_grow_with_each_host():
    assert alternatives.per_host_playbook_rerun(1000).writes == 1000
    assert alternatives.per_host_lookup_rerun(1000).reads == 3000
    assert alternatives.per_host_lookup_rerun(1000).writes == 0


def test_summary_splits_reads_and_writes_by_operation():
    calls = [
        {"service": "ssm", "operation": "DescribeInstanceInformation", "write": False},
        {"service": "ssm", "operation": "DescribeInstanceInformation", "write": False},
        {"service": "ssm", "operation": "CreateActivation", "write": True},
    ]
    summary = summarize(calls)
    assert (summary.read_count, summary.write_count, summary.total) == (2, 1, 3)
    assert summary.by_operation() == "DescribeInstanceInformation 2, CreateActivation 1 (w)"


def test_report_tables_show_measured_rows_and_models_labelled():
    record = {
        "seconds": 12.5,
        "peak_rss_mb": 60.2,
        "cpu_seconds": 21.3,
        "changed_tasks": 0,
        "downloads": 0,
        "reads": {"GetRole": 1, "DescribeInstanceInformation": 2},
        "writes": {},
        "slowest_tasks": [{"name": "Look up", "seconds": 3.2, "changed": 0}],
        "stand_in_seconds": 2.5,
        "time_split": {
            "tasks run once": 4.0,
            "tasks run per host": 4.0,
            "outside tasks": 2.0,
            "stand-ins for the hosts' side": 2.5,
        },
    }
    results = {"machine": {"CPUs": "2"}, "real": {}, "fleet": {"all registered": {"100": record}}}
    checks = [Check("re-run: 0 writes", "fleet all registered N=100", "0", "0", True)]
    text = report.render(results, checks, "results.png")
    assert (
        "| all registered | 100 | 12.5 | 2.5 | 10.0 | 100 | 21.3 | 3 | 0 | 0 | 60 | DescribeInstanceInformation 2, GetRole 1 | - |"
        in text
    )
    assert "| 100 | this collection (measured) | 3 | 0 | - (hosts simulated) | 0 | yes |" in text
    assert "| 100 | AWS install script, per host (model) | 0 | 0 | 300 | - | no |" in text
    assert "| re-run: 0 writes | fleet all registered N=100 | 0 | 0 | met |" in text
    assert "| all registered | 100 | 4.0 | 4.0 | 2.0 | 2.5 |" in text
    assert "| Look up | 3.2 | 0 |" in text


def test_time_split_sorts_tasks_by_how_many_hosts_ran_them():
    from benchmarks.calls import CallSummary  # noqa: PLC0415
    from benchmarks.measure import Run, time_split  # noqa: PLC0415

    tasks = [
        {"name": "lookup", "seconds": 4.0, "ran": 1, "changed": 0},
        {"name": "decide", "seconds": 2.5, "ran": 100, "changed": 0},
        {"name": "skipped everywhere", "seconds": 1.0, "ran": 0, "changed": 0},
        {"name": "Stand-in: the hosts' agents register", "seconds": 1.5, "ran": 1, "changed": 0},
        # The role's own per-host task: the controller's work, however host-like its subject.
        {
            "name": "role : Check the inputs and the host, and note what the host says about itself",
            "seconds": 0.5,
            "ran": 100,
            "changed": 0,
        },
    ]
    run = Run("x", 10.0, 60.0, 20.0, 0, 0, CallSummary(), tasks)
    assert time_split(run) == {
        "tasks run once": 4.0,
        "tasks run per host": 4.0,
        "outside tasks": 0.5,
        "stand-ins for the hosts' side": 1.5,
    }


def test_only_stand_ins_are_taken_out_of_the_controllers_share():
    from benchmarks.measure import is_stand_in  # noqa: PLC0415

    assert is_stand_in({"name": "Stand-in: the hosts' agents register"})
    for role_task in (
        "onprem.ecs_anywhere.external_instance : Check the inputs and the host, and note what the host says about itself",
        "onprem.ecs_anywhere.external_instance : Note what the host says about itself",
        "onprem.ecs_anywhere.external_instance : Load the platform's values",
    ):
        assert not is_stand_in({"name": role_task})


def test_merge_keeps_earlier_sizes_and_replaces_remeasured_ones():
    from benchmarks.__main__ import merge  # noqa: PLC0415

    earlier = {"machine": {"CPUs": "2", "date": "a"}, "real": {"1": "old"}, "fleet": {"all new": {"100": 1, "500": 2}}}
    later = {
        "machine": {"CPUs": "2", "date": "b"},
        "real": {},
        "fleet": {"all new": {"500": 3}, "all registered": {"100": 4}},
    }
    merged = merge(earlier, later)
    assert merged["real"] == {"1": "old"}
    assert merged["fleet"] == {"all new": {"100": 1, "500": 3}, "all registered": {"100": 4}}
    assert merged["machine"] == {"CPUs": "2", "date": "a; b"}


def test_per_host_operations_are_those_called_once_per_registering_host():
    record = {
        "reads": {"DescribeInstanceInformation": 13, "ListTagsForResource": 10, "GetRole": 1},
        "writes": {"AddTagsToResource": 10, "CreateActivation": 1},
    }
    assert report.registering_hosts("10% stale", 100) == 10
    assert report.per_host_operations(record, 10) == (
        "AddTagsToResource 10, DescribeInstanceInformation 13, ListTagsForResource 10"
    )
    assert report.per_host_operations(record, 0) == "-"


def test_stats_callback_counts_hosts_that_ran_and_changed_each_task(tmp_path, monkeypatch):
    import json  # noqa: PLC0415

    from benchmarks.callback_plugins.bench_stats import CallbackModule  # noqa: PLC0415

    class Task:
        action = "ansible.builtin.get_url"

        def get_name(self):
            return "Download the package"

    class Result:
        def __init__(self, changed):
            self.changed = changed

        def is_changed(self):
            return self.changed

    class Stats:
        processed = ("h1", "h2")

        def summarize(self, host):
            return {"changed": 1 if host == "h1" else 0}

    monkeypatch.setenv("BENCH_STATS_FILE", str(tmp_path / "stats.json"))
    callback = CallbackModule()
    callback.v2_playbook_on_task_start(Task(), False)
    callback.v2_runner_on_ok(Result(True))
    callback.v2_runner_on_ok(Result(False))
    callback.v2_playbook_on_stats(Stats())
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert [(t["name"], t["action"], t["ran"], t["changed"]) for t in stats["tasks"]] == [
        ("Download the package", "ansible.builtin.get_url", 2, 1)
    ]
    assert stats["recap"] == {"h1": {"changed": 1}, "h2": {"changed": 0}}
