"""Tag planning of the managed_instance module (plugins/modules/managed_instance.py)."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.modules.managed_instance import batch_problems, wanted_tags

CURRENT = {"Name": "old", "site": "lyon", "owner": "ops"}


@pytest.mark.parametrize(
    ("name", "tags", "purge", "to_set", "to_remove"),
    [
        # Only the name: other tags untouched even with purge.
        ("new", None, True, {"Name": "new"}, []),
        # Tags with purge: Name is kept because name was not given.
        (None, {"site": "oslo"}, True, {"site": "oslo"}, ["owner"]),
        (None, {"site": "oslo"}, False, {"site": "oslo"}, []),
        # Name inside tags still counts when name is not given.
        (None, {"Name": "x", "site": "lyon", "owner": "ops"}, True, {"Name": "x"}, []),
        ("old", {"site": "lyon", "owner": "ops"}, True, {}, []),
    ],
)
def test_wanted_tags(name, tags, purge, to_set, to_remove):
    assert wanted_tags(CURRENT, name, tags, purge) == (to_set, to_remove)


def batch_params(instances, **params):
    return dict({"name": None, "tags": None, "purge_tags": True, "state": "present", "instances": instances}, **params)


def element(instance_id, name=None, tags=None):
    return {"instance_id": instance_id, "name": name, "tags": tags}


def test_batch_problems_none_for_good_input():
    good = [element("mi-0123456789abcdef0", "a"), element("mi-0123456789abcdef1", tags={"Name": "b"})]
    assert batch_problems(batch_params(good, tags={"site": "lyon"})) == []


def test_batch_problems_name_each_element_and_shared_option():
    problems = batch_problems(
        batch_params(
            [
                element("mi-0123456789abcdef0", "a"),
                element("mi-XYZ"),
                element("mi-0123456789abcdef0", "b", tags={"AWS:k": "v"}),
            ],
            name="all",
            tags={"Name": "shared", "aws:x": "1"},
        )
    )
    assert problems == [
        "name: cannot be used with instances, as names differ per instance; "
        "give each element of instances its own name",
        "tags: tag key 'aws:x' starts with 'aws:', which AWS reserves",
        "tags: the Name tag ('shared') contradicts instances[0].name ('a'); set only instances[0].name",
        "instances[1].instance_id: 'mi-XYZ' is not a managed instance id (mi- followed by 17 lowercase hex digits)",
        "instances[2].tags: tag key 'AWS:k' starts with 'aws:', which AWS reserves",
        "instances: mi-0123456789abcdef0 is given more than once (instances[0], instances[2]); give each instance once",
    ]


def test_batch_problems_apply_ssms_tag_and_name_rules_before_any_call():
    problems = batch_problems(
        batch_params(
            [element("mi-0123456789abcdef0", "edge\t1"), element("mi-0123456789abcdef1", "b", tags={"site": "a,b"})],
            tags={f"k{n}": "v" for n in range(50)},
        )
    )
    assert problems == [
        "tags: 51 tags with Name, which the collection sets; SSM takes at most 50 per resource",
        "instances[0].name 'edge\t1' holds '\\t', which SSM refuses (only letters, digits, spaces and _ . : / = + - @)",
        "instances[1].tags: the value of tag 'site' ('a,b') holds ',', which SSM refuses "
        "(only letters, digits, spaces and _ . : / = + - @)",
    ]
