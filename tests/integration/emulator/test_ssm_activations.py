"""SSM hybrid activations and managed instances as the emulator adds them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import (
    SSM_TRUST,
    agent_call,
    assert_required_members,
    create_role,
    heartbeat,
    output_shape,
    register,
)


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def ssm(emulator):
    create_role(emulator)
    return emulator.client("ssm")


def test_create_and_describe_activation(emulator, ssm):
    expiry = datetime.now(UTC) + timedelta(hours=2)
    created = ssm.create_activation(
        IamRole="ecsAnywhereRole",
        RegistrationLimit=3,
        ExpirationDate=expiry,
        DefaultInstanceName="edge",
        Description="batch 1",
        Tags=[{"Key": "team", "Value": "ops"}],
    )
    assert len(created["ActivationCode"]) == 20
    (activation,) = ssm.describe_activations()["ActivationList"]
    assert activation["ActivationId"] == created["ActivationId"]
    assert activation["RegistrationLimit"] == 3
    assert activation["RegistrationsCount"] == 0
    assert activation["Expired"] is False
    assert activation["DefaultInstanceName"] == "edge"
    assert activation["IamRole"] == "ecsAnywhereRole"
    assert abs((activation["ExpirationDate"] - expiry).total_seconds()) < 1
    assert activation["Tags"] == [{"Key": "team", "Value": "ops"}]
    assert "ActivationCode" not in activation
    assert_required_members(output_shape("ssm", "DescribeActivations"), ssm.describe_activations())
    assert created["ActivationCode"] not in str(emulator.state())


def test_describe_activations_filters(ssm):
    first = ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName="a")["ActivationId"]
    second = ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName="b")["ActivationId"]

    def ids(**filters):
        key, values = next(iter(filters.items()))
        result = ssm.describe_activations(Filters=[{"FilterKey": key, "FilterValues": values}])
        return [a["ActivationId"] for a in result["ActivationList"]]

    assert ids(ActivationIds=[second]) == [second]
    assert ids(DefaultInstanceName=["a"]) == [first]
    assert ids(IamRole=["ecsAnywhereRole"]) == [first, second]
    assert ids(IamRole=["other"]) == []


def test_describe_activations_paginates(ssm):
    created = [ssm.create_activation(IamRole="ecsAnywhereRole")["ActivationId"] for _ in range(7)]
    pages = list(ssm.get_paginator("describe_activations").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["ActivationList"]) for p in pages] == [3, 3, 1]
    assert [a["ActivationId"] for p in pages for a in p["ActivationList"]] == created


def test_create_activation_refuses_unusable_roles(emulator, ssm):
    create_role(
        emulator,
        name="ec2only",
        trust='{"Statement": [{"Effect": "Allow", '
        '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
    )
    for role in ("missing", "ec2only", "arn:aws:iam::123456789012:role/ecsAnywhereRole"):
        with pytest.raises(ClientError) as excinfo:
            ssm.create_activation(IamRole=role)
        assert error_code(excinfo) == "ValidationException"
        assert "Nonexistent role or missing ssm service principal in trust policy" in str(excinfo.value)


def test_create_activation_accepts_role_with_path(emulator):
    iam = emulator.client("iam")
    iam.create_role(RoleName="hybrid", Path="/service-role/", AssumeRolePolicyDocument=SSM_TRUST)
    ssm = emulator.client("ssm")
    assert ssm.create_activation(IamRole="service-role/hybrid")["ActivationId"]
    with pytest.raises(ClientError):
        ssm.create_activation(IamRole="other-path/hybrid")


def test_create_activation_validates_limit_and_expiry(ssm):
    for bad in (
        {"RegistrationLimit": 1001},
        {"ExpirationDate": datetime.now(UTC) + timedelta(days=31)},
        {"ExpirationDate": datetime.now(UTC) - timedelta(minutes=1)},
    ):
        with pytest.raises(ClientError) as excinfo:
            ssm.create_activation(IamRole="ecsAnywhereRole", **bad)
        assert error_code(excinfo) in ("ValidationException", "InvalidParameters"), bad


def test_delete_activation_keeps_registered_instances(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole")
    instance_id = register(emulator, activation)
    ssm.delete_activation(ActivationId=activation["ActivationId"])
    assert ssm.describe_activations()["ActivationList"] == []
    info = ssm.describe_instance_information()["InstanceInformationList"]
    assert [i["InstanceId"] for i in info] == [instance_id]
    with pytest.raises(ClientError) as excinfo:
        ssm.delete_activation(ActivationId=activation["ActivationId"])
    assert error_code(excinfo) == "InvalidActivationId"


def test_register_counts_and_enforces_limit(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=2)
    first, second = register(emulator, activation), register(emulator, activation)
    assert first != second
    assert all(i.startswith("mi-") and len(i) == 20 for i in (first, second))
    status, body = agent_call(
        emulator,
        "RegisterManagedInstance",
        {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]},
    )
    assert (status, body["__type"]) == (400, "InvalidActivation")
    assert "limit" in body["message"]
    (described,) = ssm.describe_activations()["ActivationList"]
    assert described["RegistrationsCount"] == 2


def test_register_rejects_wrong_code_unknown_id_and_expired(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole")
    wrong = {"ActivationId": activation["ActivationId"], "ActivationCode": "x" * 20}
    unknown = {"ActivationId": "00000000-0000-0000-0000-000000000000", "ActivationCode": activation["ActivationCode"]}
    for payload in (wrong, unknown):
        status, body = agent_call(emulator, "RegisterManagedInstance", payload)
        assert (status, body["__type"]) == (400, "InvalidActivation")

    short = ssm.create_activation(IamRole="ecsAnywhereRole", ExpirationDate=datetime.now(UTC) + timedelta(seconds=1))
    time.sleep(1.2)
    status, body = agent_call(
        emulator,
        "RegisterManagedInstance",
        {"ActivationId": short["ActivationId"], "ActivationCode": short["ActivationCode"]},
    )
    assert (status, body["__type"]) == (400, "ActivationExpired")
    expired = ssm.describe_activations(
        Filters=[{"FilterKey": "ActivationIds", "FilterValues": [short["ActivationId"]]}]
    )
    assert expired["ActivationList"][0]["Expired"] is True


def test_heartbeat_makes_instance_online_until_ping_timeout(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName="edge")
    instance_id = register(emulator, activation)

    def info():
        (only,) = ssm.describe_instance_information()["InstanceInformationList"]
        return only

    assert info()["PingStatus"] == "ConnectionLost"  # registered, agent service not yet running
    assert heartbeat(emulator, instance_id)[0] == 200
    online = info()
    assert online["PingStatus"] == "Online"
    assert (online["ResourceType"], online["Name"], online["ActivationId"]) == (
        "ManagedInstance",
        "edge",
        activation["ActivationId"],
    )
    assert (online["PlatformName"], online["ComputerName"], online["IPAddress"]) == (
        "Debian GNU/Linux",
        "edge-1",
        "10.88.0.5",
    )
    assert_required_members(output_shape("ssm", "DescribeInstanceInformation"), ssm.describe_instance_information())
    emulator.set_ping_timeout(0.5)
    time.sleep(0.7)
    assert info()["PingStatus"] == "ConnectionLost"
    agent_calls = emulator.calls(agent=True)
    assert {c["operation"] for c in agent_calls} == {"RegisterManagedInstance", "UpdateInstanceInformation"}
    assert all(c["service"] == "ssm" and c["write"] for c in agent_calls)


def test_heartbeat_for_unknown_instance_fails(emulator):
    status, body = heartbeat(emulator, "mi-0123456789abcdef0")
    assert (status, body["__type"]) == (400, "InvalidInstanceId")


def test_deregister_managed_instance(emulator, ssm):
    instance_id = register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole"))
    ssm.deregister_managed_instance(InstanceId=instance_id)
    assert ssm.describe_instance_information()["InstanceInformationList"] == []
    assert heartbeat(emulator, instance_id)[1]["__type"] == "InvalidInstanceId"
    with pytest.raises(ClientError) as excinfo:
        ssm.deregister_managed_instance(InstanceId=instance_id)
    assert error_code(excinfo) == "InvalidInstanceId"


def test_tags_name_the_instance(emulator, ssm):
    activation = ssm.create_activation(
        IamRole="ecsAnywhereRole", DefaultInstanceName="edge", Tags=[{"Key": "site", "Value": "berlin"}]
    )
    instance_id = register(emulator, activation)
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": "Name", "Value": "host-7"}]
    )
    tags = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=instance_id)["TagList"]
    assert tags == [{"Key": "Name", "Value": "host-7"}, {"Key": "site", "Value": "berlin"}]
    assert ssm.describe_instance_information()["InstanceInformationList"][0]["Name"] == "host-7"
    ssm.remove_tags_from_resource(ResourceType="ManagedInstance", ResourceId=instance_id, TagKeys=["Name"])
    assert ssm.describe_instance_information()["InstanceInformationList"][0]["Name"] == "edge"
    with pytest.raises(ClientError) as excinfo:
        ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId="mi-00000000000000000")
    assert error_code(excinfo) == "InvalidResourceId"


def test_tags_of_other_resource_types_still_reach_moto(emulator):
    ssm = emulator.client("ssm")
    ssm.put_parameter(Name="p", Value="v", Type="String")
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="p", Tags=[{"Key": "k", "Value": "v"}])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="p")["TagList"] == [
        {"Key": "k", "Value": "v"}
    ]


def test_describe_instance_information_filters(emulator, ssm):
    first_activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=2)
    second_activation = ssm.create_activation(IamRole="ecsAnywhereRole")
    online, offline = register(emulator, first_activation), register(emulator, first_activation)
    other = register(emulator, second_activation)
    heartbeat(emulator, online)
    ssm.add_tags_to_resource(ResourceType="ManagedInstance", ResourceId=other, Tags=[{"Key": "role", "Value": "gpu"}])

    def ids(*filters, legacy=False):
        if legacy:
            result = ssm.describe_instance_information(
                InstanceInformationFilterList=[{"key": k, "valueSet": v} for k, v in filters]
            )
        else:
            result = ssm.describe_instance_information(Filters=[{"Key": k, "Values": v} for k, v in filters])
        return sorted(i["InstanceId"] for i in result["InstanceInformationList"])

    assert ids(("InstanceIds", [online, other])) == sorted([online, other])
    assert ids(("InstanceIds", [online]), legacy=True) == [online]
    assert ids(("ActivationIds", [first_activation["ActivationId"]])) == sorted([online, offline])
    assert ids(("PingStatus", ["Online"])) == [online]
    assert ids(("PingStatus", ["ConnectionLost"]), ("ActivationIds", [first_activation["ActivationId"]])) == [offline]
    assert ids(("ResourceType", ["ManagedInstance"])) == sorted([online, offline, other])
    assert ids(("ResourceType", ["EC2Instance"])) == []
    assert ids(("IamRole", ["ecsAnywhereRole"])) == sorted([online, offline, other])
    assert ids(("tag:role", ["gpu"])) == [other]
    assert ids(("tag-key", ["role"])) == [other]


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        (
            [{"Key": "tag:role", "Values": ["gpu"]}, {"Key": "PingStatus", "Values": ["Online"]}],
            "InvalidInstanceInformationFilterValue",
        ),
        ([{"Key": "Colour", "Values": ["blue"]}], "InvalidFilterKey"),
        ([{"Key": "PingStatus", "Values": ["Sleeping"]}], "InvalidInstanceInformationFilterValue"),
        ([{"Key": "InstanceIds", "Values": ["host-1"]}], "InvalidInstanceId"),
    ],
)
def test_describe_instance_information_rejects_bad_filters(emulator, filters, code):
    ssm = emulator.client("ssm", parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(Filters=filters)
    assert error_code(excinfo) == code


@pytest.mark.parametrize("max_results", [4, 51])
def test_describe_instance_information_max_results_range(emulator, max_results):
    ssm = emulator.client("ssm", parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(MaxResults=max_results)
    assert error_code(excinfo) == "ValidationException"


def test_describe_instance_information_paginates_beyond_50(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=120)
    registered = [register(emulator, activation) for _ in range(120)]
    first = ssm.describe_instance_information(MaxResults=50)
    assert len(first["InstanceInformationList"]) == 50
    assert "NextToken" in first
    pages = list(ssm.get_paginator("describe_instance_information").paginate(PaginationConfig={"PageSize": 50}))
    assert [len(p["InstanceInformationList"]) for p in pages] == [50, 50, 20]
    assert [i["InstanceId"] for p in pages for i in p["InstanceInformationList"]] == registered
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(NextToken="garbage!")
    assert error_code(excinfo) == "InvalidNextToken"


def test_activations_are_regional(emulator):
    create_role(emulator)
    east = emulator.client("ssm")
    west = emulator.client("ssm", region="eu-west-1")
    east.create_activation(IamRole="ecsAnywhereRole")
    assert west.describe_activations()["ActivationList"] == []
    assert len(east.describe_activations()["ActivationList"]) == 1


def test_china_partition_activation(emulator):
    create_role(emulator, region="cn-north-1")
    ssm = emulator.client("ssm", region="cn-north-1", retries={"total_max_attempts": 1})
    activation = ssm.create_activation(IamRole="ecsAnywhereRole")
    instance_id = register(emulator, activation, region="cn-north-1")
    assert ssm.describe_instance_information()["InstanceInformationList"][0]["InstanceId"] == instance_id
    # The role lives in the aws-cn partition only.
    with pytest.raises(ClientError):
        emulator.client("ssm").create_activation(IamRole="ecsAnywhereRole")


def test_concurrent_registrations_respect_the_limit(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=20)
    payload = {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: agent_call(emulator, "RegisterManagedInstance", payload), range(26)))
    registered = {body["InstanceId"] for status, body in answers if status == 200}
    assert len(registered) == 20
    assert sorted(body.get("__type") for status, body in answers if status != 200) == ["InvalidActivation"] * 6
    assert ssm.describe_activations()["ActivationList"][0]["RegistrationsCount"] == 20
