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


def test_our_expected_rerun_fits_the_budget_at_every_size():
    for hosts in (1, 49, 50, 51, 100, 499, 1000, 5000):
        assert alternatives.ours_rerun_expected(hosts).reads <= alternatives.ours_rerun_budget(hosts)


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
        "changed_tasks": 0,
        "downloads": 0,
        "reads": {"GetRole": 1, "DescribeInstanceInformation": 2},
        "writes": {},
        "slowest_tasks": [{"name": "Look up", "seconds": 3.2, "changed": 0}],
    }
    results = {"machine": {"CPUs": "2"}, "real": {}, "fleet": {"all registered": {"100": record}}}
    checks = [Check("re-run: 0 writes", "fleet all registered N=100", "0", "0", True)]
    text = report.render(results, checks, "results.png")
    assert "| all registered | 100 | 12.5 | 125 | 3 | 0 | 0 | 60 | DescribeInstanceInformation 2, GetRole 1 |" in text
    assert "| 100 | this collection (measured) | 3 | 0 | 0 | 0 | yes |" in text
    assert "| 100 | AWS install script, per host (model) | 0 | 0 | 300 | - | no |" in text
    assert "| re-run: 0 writes | fleet all registered N=100 | 0 | 0 | met |" in text
