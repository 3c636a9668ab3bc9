# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chunking and paginated reads, so that lookups of hundreds of ids stay a handful of calls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


def chunked(values, size):
    """Consecutive slices of ``values`` of at most ``size`` items; duplicates dropped, order kept."""
    unique = list(dict.fromkeys(values))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def all_pages(call, result_key, token_name="NextToken", **params):
    """Every item of ``result_key`` over all pages of ``call(**params)``.

    ``token_name`` is the pagination field, the same in request and response
    (``NextToken`` for SSM, ``nextToken`` for ECS). Other keyword arguments,
    such as ``aws_retry=True``, go to every call.
    """
    items = []
    while True:
        response = call(**params)
        items.extend(response.get(result_key, []))
        token = response.get(token_name)
        if not token:
            return items
        params[token_name] = token


class Groups:
    """Items grouped by the values of some fields: one module run (or call) per group.

    ``add(item, **values)`` puts ITEM in the group whose FIELDS have those values (the other
    values only describe the group) and returns the group: a dict of the values and ITEMS.
    Groups keep the order in which they were first seen.
    """

    def __init__(self, into, fields, items="instances"):
        self.into = into
        self.fields = fields
        self.items = items
        self.index = {}

    def add(self, item, **values):
        key = json.dumps([values[field] for field in self.fields], sort_keys=True)
        if key not in self.index:
            self.index[key] = dict(values, **{self.items: []})
            self.into.append(self.index[key])
        self.index[key][self.items].append(item)
        return self.index[key]


def connection(entry):
    """The AWS connection a host's calls go through: region, endpoint, profile."""
    aws = entry.get("aws") or {}
    return {key: str(aws.get(key) or "") for key in ("region", "endpoint_url", "profile")}


def connection_key(aws):
    """One string per connection, to key dicts and groups with."""
    return "|".join((aws["region"], aws["endpoint_url"], aws["profile"]))


def looped_results(results, field):
    """(item, FIELD's entries) of each run of a looped task's registered ``results`` that ran:
    skipped runs, and entries without their loop item, are left out."""
    for result in results or []:
        if isinstance(result, dict) and not result.get("skipped") and isinstance(result.get("item"), dict):
            yield result["item"], result.get(field) or []
