"""Pages of a list read with opaque offset tokens; now and then a short page (switch `short_pages`).

A short page carries fewer items than asked for, sometimes none, and a token, although more items
remain: as AWS's list calls may. Following the tokens still yields every item exactly once. After
an empty page the next one carries at least one item, so a caller that follows tokens always ends.
"""

from __future__ import annotations

import base64

from tests.emulator.aws_errors import AwsError

_AFTER_EMPTY = ":after-empty"


def _encode(offset: int, after_empty: bool) -> str:
    return base64.urlsafe_b64encode(f"{offset}{_AFTER_EMPTY if after_empty else ''}".encode()).decode()


def _decode(token: str | None) -> tuple[int, bool]:
    if not token:
        return 0, False
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        after_empty = text.endswith(_AFTER_EMPTY)
        offset = int(text.removesuffix(_AFTER_EMPTY))
    except ValueError:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.") from None
    if offset < 0:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.")
    return offset, after_empty


def page(items: list, max_results: int, token: str | None, switches=None) -> tuple[list, str | None]:
    """This page of `items` and the token for the next one (None when nothing remains).

    With `switches`, the page may come out short (switch `short_pages`); without, it never does.
    """
    start, after_empty = _decode(token)
    end = min(start + max_results, len(items))
    if switches is not None and end > start:
        end = start + switches.short_page_length(1 if after_empty else 0, end - start)
    if end >= len(items):
        return items[start:end], None
    return items[start:end], _encode(end, after_empty=end == start)
