# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chunking and paginated reads, so that lookups of hundreds of ids stay a handful of calls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
