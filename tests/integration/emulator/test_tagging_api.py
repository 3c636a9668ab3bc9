"""Resource Groups Tagging API GetResources for SSM managed instances: by ARN list, by filter, with tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import assert_required_members, create_role, output_shape, register


def arn_of(instance_id: str, region: str = "us-east-1", partition: str = "aws") -> str:
    return f"arn:{partition}:ssm:{region}:123456789012:managed-instance/{instance_id}"


def ids_of(mappings: list[dict]) -> list[str]:
    return [m["ResourceARN"].rsplit("/", 1)[-1] for m in mappings]


@pytest.fixture
def fleet(emulator):
    """Three instances from a tagged activation (two named), one never tagged."""
    create_role(emulator)
    ssm = emulator.client("ssm")
    tagged = ssm.create_activation(
        IamRole="ecsAnywhereRole", RegistrationLimit=3, Tags=[{"Key": "team", "Value": "ops"}]
    )
    plain = ssm.create_activation(IamRole="ecsAnywhereRole")
    first, second, third = (register(emulator, tagged) for _ in range(3))
    untagged = register(emulator, plain)
    for instance_id, name in ((first, "host-1"), (third, "host-3")):
        ssm.add_tags_to_resource(
            ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": "Name", "Value": name}]
        )
    return {"first": first, "second": second, "third": third, "untagged": untagged}


@pytest.fixture
def tagging(emulator):
    return emulator.client("resourcegroupstaggingapi")


def test_by_arn_list_returns_each_tagged_instance_with_its_tags(emulator, fleet, tagging):
    arns = [arn_of(fleet["first"]), arn_of(fleet["third"]), arn_of(fleet["untagged"])]
    answer = tagging.get_resources(ResourceARNList=arns)
    assert_required_members(output_shape("resourcegroupstaggingapi", "GetResources"), answer)
    assert answer["ResourceTagMappingList"] == [
        {"ResourceARN": arns[0], "Tags": [{"Key": "Name", "Value": "host-1"}, {"Key": "team", "Value": "ops"}]},
        {"ResourceARN": arns[1], "Tags": [{"Key": "Name", "Value": "host-3"}, {"Key": "team", "Value": "ops"}]},
    ]
    assert not answer.get("PaginationToken")
    (call,) = emulator.calls(service="tagging")
    assert (call["operation"], call["write"], call["status"]) == ("GetResources", False, 200)


def test_by_filter_with_tags_and_pages(emulator, fleet, tagging):
    named = tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"], TagFilters=[{"Key": "Name"}])[
        "ResourceTagMappingList"
    ]
    assert ids_of(named) == [fleet["first"], fleet["third"]]
    assert named[1]["Tags"] == [{"Key": "Name", "Value": "host-3"}, {"Key": "team", "Value": "ops"}]
    by_value = tagging.get_resources(
        ResourceTypeFilters=["ssm"], TagFilters=[{"Key": "Name", "Values": ["host-3", "host-9"]}, {"Key": "team"}]
    )["ResourceTagMappingList"]
    assert ids_of(by_value) == [fleet["third"]]
    pages = list(
        tagging.get_paginator("get_resources").paginate(
            ResourceTypeFilters=["ssm:managed-instance"], PaginationConfig={"PageSize": 2}
        )
    )
    assert [ids_of(p["ResourceTagMappingList"]) for p in pages] == [
        [fleet["first"], fleet["second"]],
        [fleet["third"]],
    ]
    assert pages[0]["PaginationToken"] and pages[-1]["PaginationToken"] == ""


def test_all_types_lists_managed_instances_and_motos_resources(emulator, fleet, tagging):
    ssm = emulator.client("ssm")
    ssm.put_parameter(Name="p", Value="v", Type="String", Tags=[{"Key": "team", "Value": "ops"}])
    found = tagging.get_resources(TagFilters=[{"Key": "team", "Values": ["ops"]}])["ResourceTagMappingList"]
    arns = [m["ResourceARN"] for m in found]
    assert arns[:3] == [arn_of(fleet[k]) for k in ("first", "second", "third")]
    assert arns[3:] == ["arn:aws:ssm:us-east-1:123456789012:parameter/p"]
    # A call that cannot concern managed instances is moto's own.
    assert tagging.get_resources(ResourceTypeFilters=["ssm:parameter"])["ResourceTagMappingList"][0][
        "ResourceARN"
    ].endswith(":parameter/p")
    mixed = tagging.get_resources(ResourceARNList=[arn_of(fleet["second"]), arns[3]])["ResourceTagMappingList"]
    assert [m["ResourceARN"] for m in mixed] == [arn_of(fleet["second"]), arns[3]]


def test_an_instance_whose_tags_were_all_removed_is_listed_without_tags(emulator, fleet, tagging):
    ssm = emulator.client("ssm")
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=fleet["untagged"], Tags=[{"Key": "k", "Value": "v"}]
    )
    ssm.remove_tags_from_resource(ResourceType="ManagedInstance", ResourceId=fleet["untagged"], TagKeys=["k"])
    (mapping,) = tagging.get_resources(ResourceARNList=[arn_of(fleet["untagged"])])["ResourceTagMappingList"]
    assert mapping["Tags"] == []


def test_managed_instances_are_regional_and_partitioned(emulator, tagging):
    create_role(emulator, region="cn-north-1")
    china = emulator.client("ssm", region="cn-north-1")
    activation = china.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": "team", "Value": "ops"}])
    instance_id = register(emulator, activation, region="cn-north-1")
    china_tagging = emulator.client("resourcegroupstaggingapi", region="cn-north-1")
    found = china_tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"])["ResourceTagMappingList"]
    assert [m["ResourceARN"] for m in found] == [arn_of(instance_id, "cn-north-1", "aws-cn")]
    assert tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"])["ResourceTagMappingList"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"ResourceARNList": [arn_of(f"mi-{n:017x}") for n in range(101)]},
        {"ResourceARNList": [arn_of("mi-0123456789abcdef0")], "TagFilters": [{"Key": "Name"}]},
        {"ResourceTypeFilters": ["ssm:managed-instance"], "ResourcesPerPage": 101},
        {"ResourceARNList": [arn_of("mi-0123456789abcdef0", partition="aws-cn")]},
    ],
)
def test_bad_requests_are_refused(emulator, params):
    tagging = emulator.client("resourcegroupstaggingapi", parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        tagging.get_resources(**params)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
