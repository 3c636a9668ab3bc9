"""The benchmark's budget checks (benchmarks/budgets.py): each budget is met and missed where it should be."""

from benchmarks import budgets


def record(seconds=10.0, reads=None, writes=None, changed=0):
    return {"seconds": seconds, "reads": reads or {}, "writes": writes or {}, "changed_tasks": changed}


def by_budget(checks):
    return {check.budget: check for check in checks}


def test_rerun_read_limit_follows_the_issue():
    assert [budgets.rerun_read_limit(n) for n in (1, 50, 51, 100, 1000)] == [5, 5, 7, 7, 43]


def test_rerun_with_reads_at_the_limit_and_nothing_written_is_met():
    checks = budgets.check_rerun("N=100", 100, record(reads={"DescribeInstanceInformation": 2, "GetRole": 5}))
    assert [check.ok for check in checks] == [True, True, True]


def test_rerun_with_one_read_too_many_a_write_or_a_change_is_missed():
    checks = by_budget(
        budgets.check_rerun("N=1", 1, record(reads={"GetRole": 6}, writes={"AddTagsToResource": 1}, changed=2))
    )
    assert checks["re-run: 0 writes"].ok is False
    assert checks["re-run: reads <= 3 + 2*ceil(N/50)"].ok is False
    assert checks["re-run: 0 changed tasks"].ok is False


def test_activations_must_match_ceil_of_new_hosts_by_1000():
    assert budgets.check_first("x", 1001, record(writes={"CreateActivation": 2}), False)[0].ok is True
    assert budgets.check_first("x", 1000, record(writes={"CreateActivation": 2}), False)[0].ok is False
    assert budgets.check_first("x", 5, record(), False)[0].ok is False


def test_a_batchable_operation_called_once_per_host_is_a_per_host_call():
    per_host = record(
        reads={"DescribeInstanceInformation": 101, "ListTagsForResource": 100}, writes={"CreateActivation": 1}
    )
    batched = record(
        reads={"DescribeInstanceInformation": 4, "ListTagsForResource": 100}, writes={"CreateActivation": 1}
    )
    assert budgets.check_first("x", 100, per_host, True)[1].ok is False
    assert "DescribeInstanceInformation 101" in budgets.check_first("x", 100, per_host, True)[1].measured
    # ListTagsForResource takes one resource: per host is the only way, not a batching miss.
    assert budgets.check_first("x", 100, batched, True)[1].ok is True


def test_rerun_time_share_of_first_run():
    assert budgets.check_rerun_time(1, record(seconds=100), record(seconds=40)).ok is True
    assert budgets.check_rerun_time(1, record(seconds=100), record(seconds=41)).ok is False


def test_fleet_time_limit_and_linear_growth():
    checks = budgets.check_fleet_time({100: record(seconds=6), 1000: record(seconds=59)})
    assert [check.ok for check in checks] == [True, True]
    slow = budgets.check_fleet_time({100: record(seconds=7), 1000: record(seconds=61)})
    assert slow[0].ok is False
    superlinear = budgets.check_fleet_time({100: record(seconds=2), 1000: record(seconds=21)})
    assert superlinear[1].ok is False
    assert superlinear[1].measured == "10.50"


def test_fleet_time_is_the_controllers_share_without_the_stand_ins_for_the_hosts_side():
    with_stand_ins = dict(record(seconds=90), stand_in_seconds=40.0)
    checks = budgets.check_fleet_time({100: dict(record(seconds=9), stand_in_seconds=4.0), 1000: with_stand_ins})
    assert checks[0].measured == "50.0 s" and checks[0].ok is True
    assert checks[1].measured == "10.00" and checks[1].ok is True


def test_fleet_time_not_measured_without_n_1000():
    checks = budgets.check_fleet_time({100: record(seconds=5)})
    assert [check.status for check in checks] == ["not measured", "not measured"]


def test_check_all_reads_real_and_fleet_results():
    results = {
        "real": {
            "2": {
                "first registration": record(seconds=100, writes={"CreateActivation": 1}),
                "re-run": record(seconds=30, reads={"GetRole": 5}),
            }
        },
        "fleet": {
            "all registered": {
                "100": record(seconds=4, reads={"GetRole": 7}),
                "1000": record(seconds=30, reads={"GetRole": 43}),
            }
        },
    }
    checks = budgets.check_all(results)
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]
    assert {check.case for check in checks} >= {"real N=2", "fleet all registered N=1000"}


def test_per_host_calls_count_against_the_hosts_that_register_not_the_fleet():
    # 10% stale of 100: 10 hosts register; a lookup per registering host shows up as >= 10 calls.
    stale = record(reads={"DescribeInstanceInformation": 13}, writes={"CreateActivation": 1})
    assert budgets.check_first("stale", 10, stale, True)[1].ok is False
    polled = record(reads={"DescribeInstanceInformation": 3}, writes={"CreateActivation": 1})
    assert budgets.check_first("stale", 10, polled, True)[1].ok is True
