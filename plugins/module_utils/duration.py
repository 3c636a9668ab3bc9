# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations such as ``30m``, ``1h``, ``7d`` or ``1d12h``, and expiry dates."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(\d+\s*[smhdw]\s*)+$")


def parse_duration(text):
    """Return the number of seconds in ``text``; ValueError when it is not a duration."""
    value = str(text).strip().lower()
    if not _WHOLE.match(value):
        raise ValueError(
            "'%s' is not a duration: use a number followed by s, m, h, d or w, e.g. 30m, 1h, 7d or 1d12h" % text
        )
    return sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _PART.findall(value))


def parse_timestamp(text):
    """Parse an ISO 8601 date/time; a value without a time zone is taken as UTC."""
    value = str(text).strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("'%s' is not an ISO 8601 date/time such as 2030-01-31T12:00:00Z" % text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def expiry_problem(expires_at, now, longest_seconds, shortest_seconds=60):
    """Say what is wrong with an expiry moment, or return None when it is acceptable."""
    ahead = (expires_at - now).total_seconds()
    if ahead < shortest_seconds:
        return "must lie at least %d seconds in the future" % shortest_seconds
    if ahead > longest_seconds:
        return "must lie at most %d days ahead" % (longest_seconds // 86400)
    return None


def isoformat(value):
    """ISO 8601 text for a datetime (as boto3 returns them); anything else unchanged."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value
