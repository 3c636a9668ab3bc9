"""Tag planning of the managed_instance module (plugins/modules/managed_instance.py)."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.modules.managed_instance import wanted_tags

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
