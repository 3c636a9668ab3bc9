"""Durations and expiry dates (plugins/module_utils/duration.py)."""

import datetime

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import duration

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h", 3600), ("7d", 604800), ("1d12h", 129600), ("45s", 45), ("2w", 1209600), (" 1H ", 3600)],
)
def test_durations_are_understood(text, seconds):
    assert duration.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "h", "1y", "-1h", "1.5h", "one hour", "1h-"])
def test_anything_else_is_refused_with_examples(text):
    with pytest.raises(ValueError, match=r"not a duration.*30m, 1h, 7d"):
        duration.parse_duration(text)


def test_timestamps_without_zone_are_utc_and_z_is_understood():
    assert duration.parse_timestamp("2030-01-31T12:00:00") == datetime.datetime(2030, 1, 31, 12, tzinfo=UTC)
    assert duration.parse_timestamp("2030-01-31T12:00:00Z") == datetime.datetime(2030, 1, 31, 12, tzinfo=UTC)
    assert duration.parse_timestamp("2030-01-31T14:00:00+02:00") == datetime.datetime(2030, 1, 31, 12, tzinfo=UTC)


def test_a_malformed_timestamp_is_refused():
    with pytest.raises(ValueError, match="not an ISO 8601"):
        duration.parse_timestamp("31/01/2030")


@pytest.mark.parametrize(
    ("ahead", "problem"),
    [
        (datetime.timedelta(days=30), None),
        (datetime.timedelta(hours=1), None),
        (datetime.timedelta(days=30, seconds=1), "at most 30 days"),
        (datetime.timedelta(days=40), "at most 30 days"),
        (datetime.timedelta(seconds=10), "at least 60 seconds"),
        (datetime.timedelta(hours=-1), "at least 60 seconds"),
    ],
)
def test_expiry_limits(ahead, problem):
    now = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    result = duration.expiry_problem(now + ahead, now, 30 * 86400)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_isoformat_turns_datetimes_into_text_only():
    moment = datetime.datetime(2030, 1, 31, 12, tzinfo=UTC)
    assert duration.isoformat(moment) == "2030-01-31T12:00:00+00:00"
    assert duration.isoformat(None) is None
