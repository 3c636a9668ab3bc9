"""SSM's documented tag and DefaultInstanceName rules, always on: count, length, characters, aws: prefix."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import create_role, error_of, register


@pytest.fixture
def ssm(emulator):
    create_role(emulator)
    # botocore itself refuses an empty key; the server's answer is what these tests read.
    return emulator.client("ssm", parameter_validation=False)


@pytest.fixture
def instance_id(emulator, ssm):
    return register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole"))


def tag(ssm, instance_id: str, tags: dict) -> None:
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


def tags_of(ssm, instance_id: str) -> dict:
    listed = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=instance_id)["TagList"]
    return {t["Key"]: t["Value"] for t in listed}


def test_fifty_tags_per_managed_instance_and_no_more(ssm, instance_id):
    fifty = {f"k{n}": "v" for n in range(50)}
    tag(ssm, instance_id, fifty)
    tag(ssm, instance_id, {"k0": "overwritten"})  # an existing key is no new tag
    with pytest.raises(ClientError) as excinfo:
        tag(ssm, instance_id, {"k50": "v"})
    code, message = error_of(excinfo)
    assert code == "TooManyTagsError"
    assert "51" in message and "50" in message
    assert tags_of(ssm, instance_id) == {**fifty, "k0": "overwritten"}


def test_fifty_one_tags_in_one_call_are_refused(ssm, instance_id):
    with pytest.raises(ClientError) as excinfo:
        tag(ssm, instance_id, {f"k{n}": "v" for n in range(51)})
    assert error_of(excinfo)[0] == "TooManyTagsError"
    assert tags_of(ssm, instance_id) == {}


def test_activation_with_fifty_one_tags_is_refused(ssm):
    with pytest.raises(ClientError) as excinfo:
        ssm.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(51)])
    assert error_of(excinfo)[0] == "ValidationException"
    assert ssm.describe_activations()["ActivationList"] == []
    ssm.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(50)])


@pytest.mark.parametrize(
    ("tags", "member"),
    [
        ({"site": "a,b"}, "tags.1.member.value"),
        ({"site": "#1"}, "tags.1.member.value"),
        ({"ok": "x", "rack;7": "x"}, "tags.2.member.key"),
        ({"site": "line\nbreak"}, "tags.1.member.value"),
        ({"k" * 129: "x"}, "tags.1.member.key"),
        ({"site": "v" * 257}, "tags.1.member.value"),
        ({"": "x"}, "tags.1.member.key"),
        ({"AWS:owner": "x"}, "tags.1.member.key"),
    ],
)
def test_bad_tags_are_refused_naming_the_member(ssm, instance_id, tags, member):
    with pytest.raises(ClientError) as excinfo:
        tag(ssm, instance_id, tags)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert f"at '{member}'" in message
    with pytest.raises(ClientError) as excinfo:
        ssm.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    assert error_of(excinfo)[0] == "ValidationException"
    assert tags_of(ssm, instance_id) == {}


def test_letters_of_any_script_spaces_digits_and_the_allowed_marks_pass(ssm, instance_id):
    good = {"Name": "edge host_7", "site": "Zürich/東京", "path": "a.b:c/d=e+f-g@h", "empty": "", "k" * 128: "v" * 256}
    tag(ssm, instance_id, good)
    assert tags_of(ssm, instance_id) == good
    ssm.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": k, "Value": v} for k, v in good.items()])


def test_removing_a_malformed_key_is_refused(ssm, instance_id):
    with pytest.raises(ClientError) as excinfo:
        ssm.remove_tags_from_resource(ResourceType="ManagedInstance", ResourceId=instance_id, TagKeys=["a,b"])
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "tagKeys.1.member" in message


@pytest.mark.parametrize("name", ["edge\thost", "edge,1", "#edge", "e" * 257])
def test_default_instance_name_follows_the_tag_pattern(ssm, name):
    with pytest.raises(ClientError) as excinfo:
        ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName=name)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "defaultInstanceName" in message
    assert ssm.describe_activations()["ActivationList"] == []


def test_default_instance_name_accepts_what_the_pattern_allows(ssm):
    for name in ("edge host-1", "e" * 256, "", "Zürich_1"):
        ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName=name)
    assert len(ssm.describe_activations()["ActivationList"]) == 4
