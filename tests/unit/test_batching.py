"""Chunks and pages (plugins/module_utils/batching.py)."""

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import batching


def test_chunks_cover_everything_once_in_order():
    values = [f"v{i}" for i in range(120)]
    chunks = batching.chunked(values + values[:10], 50)
    assert [len(c) for c in chunks] == [50, 50, 20]
    assert [v for chunk in chunks for v in chunk] == values


def test_no_values_no_chunks():
    assert batching.chunked([], 50) == []


def test_all_pages_follows_the_token_and_passes_other_arguments_on():
    pages = {None: (["a", "b"], "t1"), "t1": (["c"], "t2"), "t2": ([], None)}
    seen = []

    def call(**params):
        seen.append(params)
        items, token = pages[params.get("nextToken")]
        return {"items": items, "nextToken": token} if token else {"items": items}

    assert batching.all_pages(call, "items", token_name="nextToken", cluster="c", aws_retry=True) == ["a", "b", "c"]
    assert len(seen) == 3
    assert all(p["cluster"] == "c" and p["aws_retry"] is True for p in seen)
