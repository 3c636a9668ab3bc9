"""The switches for what AWS leaves undocumented or does now and then: each choice shown, and the config API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tests.emulator.__main__ import parse_args
from tests.emulator.switches import START_VALUES, STRICT, TIMINGS
from tests.integration.emulator.test_ecs_external import register_instance
from tests.integration.emulator.world import agent_call, create_role, error_of, heartbeat, register


@pytest.fixture
def ssm(emulator):
    create_role(emulator)
    return emulator.client("ssm")


def put_config(emulator, payload) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/config", data=json.dumps(payload).encode(), method="PUT"
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- the config API and the command line ---------------------------------------------------------


def test_config_shows_every_switch_and_reset_restores_the_start_values(emulator):
    emulator.reset()
    start = emulator.config()
    assert start == {**START_VALUES, **TIMINGS}
    changed = emulator.set_config(instance_name="default", read_lag_seconds=0.5, short_pages=0.3, task_start_seconds=0)
    assert changed == {
        **start,
        "instance_name": "default",
        "read_lag_seconds": 0.5,
        "short_pages": 0.3,
        "task_start_seconds": 0.0,
    }
    assert emulator.config() == changed
    assert emulator.set_strict() == {**STRICT, **TIMINGS, "task_start_seconds": 0.0}
    emulator.reset()
    assert emulator.config() == start


@pytest.mark.parametrize(
    "payload",
    [
        {"instance_name": "nickname"},
        {"unknown_instance_id": "ignore"},
        {"list_filter_max_length": 0},
        {"list_filter_max_length": "2000"},
        {"read_lag_seconds": -1},
        {"short_pages": 1.5},
        {"managed_instance_limit": True},
        {"ping_timeout": 0},
        {"task_start_seconds": -1},
        {"task_start_seconds": "1"},
        {"colour": "blue"},
        {},
        ["instance_name"],
    ],
)
def test_config_refuses_bad_values_and_changes_nothing(emulator, payload):
    before = emulator.config()
    status, body = put_config(emulator, payload)
    assert status == 400
    assert body["error"]
    assert emulator.config() == before


def test_a_bad_value_among_good_ones_changes_nothing(emulator):
    before = emulator.config()
    status, body = put_config(emulator, {"instance_name": "default", "short_pages": 3})
    assert status == 400
    assert "short_pages" in body["error"]
    assert emulator.config() == before


def test_command_line_strict_and_single_switches():
    assert parse_args([]).switches == START_VALUES
    assert parse_args(["--strict"]).switches == STRICT
    mixed = parse_args(["--strict", "--instance-name", "tag", "--list-filter-max-length", "none"]).switches
    assert mixed == {**STRICT, "instance_name": "tag", "list_filter_max_length": None}
    assert parse_args(
        ["--read-lag-seconds", "1.5", "--short-pages", "0.2", "--task-start-seconds", "0.3"]
    ).switches == {
        **START_VALUES,
        "read_lag_seconds": 1.5,
        "short_pages": 0.2,
        "task_start_seconds": 0.3,
    }
    bad_lines = (["--short-pages", "2"], ["--instance-name", "nickname"], ["--managed-instance-limit", "-1"])
    for bad in (*bad_lines, ["--task-start-seconds", "-1"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


# --- instance_name ----------------------------------------------------------------------------------


def test_instance_name_is_the_name_tag_or_always_the_default_name(emulator, ssm):
    instance_id = register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole", DefaultInstanceName="edge"))
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": "Name", "Value": "host-7"}]
    )

    def name():
        return ssm.describe_instance_information()["InstanceInformationList"][0]["Name"]

    emulator.set_config(instance_name="tag")
    assert name() == "host-7"
    emulator.set_config(instance_name="default")
    assert name() == "edge"
    assert emulator.state()["managed_instances"][0]["Name"] == "edge"


# --- unknown_instance_id ----------------------------------------------------------------------------


def test_unknown_instance_id_matches_nothing_or_fails_naming_the_unknown(emulator, ssm):
    known = register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole"))
    unknown = ["mi-0123456789abcdef0", "mi-00000000000000001"]

    def ids():
        result = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [known, *unknown]}])
        return [i["InstanceId"] for i in result["InstanceInformationList"]]

    emulator.set_config(unknown_instance_id="empty")
    assert ids() == [known]
    emulator.set_config(unknown_instance_id="error")
    with pytest.raises(ClientError) as excinfo:
        ids()
    code, message = error_of(excinfo)
    assert code == "InvalidInstanceId"
    assert all(instance_id in message for instance_id in unknown)
    assert known not in message
    assert [i["InstanceId"] for i in ssm.describe_instance_information()["InstanceInformationList"]] == [known]
    # A deregistered id is unknown too.
    ssm.deregister_managed_instance(InstanceId=known)
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_instance_information(InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": [known]}])
    assert error_of(excinfo)[0] == "InvalidInstanceId"


# --- list_filter_max_length -------------------------------------------------------------------------


def test_list_filter_length_limit(emulator, ssm):
    instance_id = register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole"))
    emulator.client("ecs").create_cluster(clusterName="edge")
    arn = register_instance(emulator, instance_id)["containerInstanceArn"]
    others = [f"mi-{n:017x}" for n in range(100)]
    long_filter = f"ec2InstanceId in [{', '.join([instance_id, *others])}]"
    short_filter = f"ec2InstanceId in [{', '.join([instance_id, *others[:50]])}]"
    assert len(short_filter) < 2000 < len(long_filter)
    ecs = emulator.client("ecs")

    def listed(query):
        return ecs.list_container_instances(cluster="edge", filter=query)["containerInstanceArns"]

    emulator.set_config(list_filter_max_length=None)
    assert listed(long_filter) == [arn]
    emulator.set_config(list_filter_max_length=2000)
    assert listed(short_filter) == [arn]
    with pytest.raises(ClientError) as excinfo:
        listed(long_filter)
    code, message = error_of(excinfo)
    assert code == "InvalidParameterException"
    assert str(len(long_filter)) in message and "2000" in message


# --- read_lag_seconds -------------------------------------------------------------------------------


def wait_until(seconds_after: float, start: float) -> None:
    time.sleep(max(0.0, start + seconds_after - time.monotonic()))


def test_read_lag_hides_a_new_managed_instance_and_keeps_a_deregistered_one(emulator, ssm):
    emulator.set_config(read_lag_seconds=1.0)
    tagging = emulator.client("resourcegroupstaggingapi")
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": "team", "Value": "ops"}])

    def listed():
        return [i["InstanceId"] for i in ssm.describe_instance_information()["InstanceInformationList"]]

    def tagged():
        found = tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"])["ResourceTagMappingList"]
        return [m["ResourceARN"].rsplit("/", 1)[-1] for m in found]

    registered_at = time.monotonic()
    instance_id = register(emulator, activation)
    assert listed() == [] and tagged() == []
    assert heartbeat(emulator, instance_id)[0] == 200  # writes see it at once
    wait_until(1.1, registered_at)
    assert listed() == [instance_id] and tagged() == [instance_id]

    deregistered_at = time.monotonic()
    ssm.deregister_managed_instance(InstanceId=instance_id)
    (still,) = ssm.describe_instance_information()["InstanceInformationList"]
    assert (still["InstanceId"], still["PingStatus"]) == (instance_id, "Online")
    assert tagged() == [instance_id]
    assert heartbeat(emulator, instance_id)[1]["__type"] == "InvalidInstanceId"
    wait_until(1.1, deregistered_at)
    assert listed() == [] and tagged() == []


def test_read_lag_hides_a_new_container_instance_and_keeps_a_deregistered_one(emulator, ssm):
    instance_id = register(emulator, ssm.create_activation(IamRole="ecsAnywhereRole"))
    emulator.client("ecs").create_cluster(clusterName="edge")
    emulator.set_config(read_lag_seconds=1.0)
    ecs = emulator.client("ecs")

    def listed():
        return ecs.list_container_instances(cluster="edge")["containerInstanceArns"]

    def described(arn):
        return ecs.describe_container_instances(cluster="edge", containerInstances=[arn])

    registered_at = time.monotonic()
    arn = register_instance(emulator, instance_id)["containerInstanceArn"]
    assert listed() == []
    assert described(arn)["failures"] == [{"arn": arn, "reason": "MISSING"}]
    wait_until(1.1, registered_at)
    assert listed() == [arn]
    assert described(arn)["containerInstances"][0]["status"] == "ACTIVE"

    deregistered_at = time.monotonic()
    gone = ecs.deregister_container_instance(cluster="edge", containerInstance=arn)["containerInstance"]
    assert gone["status"] == "INACTIVE"  # the write's own answer is current
    assert listed() == [arn]
    assert described(arn)["containerInstances"][0]["status"] == "ACTIVE"
    wait_until(1.1, deregistered_at)
    assert listed() == []
    assert described(arn)["containerInstances"][0]["status"] == "INACTIVE"


# --- short_pages ------------------------------------------------------------------------------------


def follow(call, items_key: str, token_key: str, **params) -> list[list]:
    """Every page of a list read, following the tokens by hand."""
    pages, token = [], None
    for _ in range(500):
        answer = call(**params, **({token_key: token} if token else {}))
        pages.append(answer[items_key])
        token = answer.get(token_key)
        if not token:
            return pages
    raise AssertionError("the tokens never ended")


def short_pages_yield_everything(pages: list[list], everything: list, page_size: int) -> list[int]:
    """The page lengths, once every item came exactly once, in order, and some page came short."""
    lengths = [len(listed) for listed in pages]
    assert [item for listed in pages for item in listed] == everything
    assert any(length < page_size for length in lengths[:-1]), lengths
    return lengths


def test_short_pages_in_every_paginated_read_still_yield_every_item_once(emulator, ssm):
    activation = ssm.create_activation(
        IamRole="ecsAnywhereRole", RegistrationLimit=30, Tags=[{"Key": "team", "Value": "ops"}]
    )
    instance_ids = [register(emulator, activation) for _ in range(30)]
    activation_ids = [activation["ActivationId"]] + [
        ssm.create_activation(IamRole="ecsAnywhereRole")["ActivationId"] for _ in range(14)
    ]
    emulator.client("ecs").create_cluster(clusterName="edge")
    container_arns = [register_instance(emulator, i)["containerInstanceArn"] for i in instance_ids]
    ecs = emulator.client("ecs")
    tagging = emulator.client("resourcegroupstaggingapi")

    emulator.set_config(short_pages=0.6, short_pages_seed=11)
    lengths = []
    pages = follow(ssm.describe_instance_information, "InstanceInformationList", "NextToken", MaxResults=5)
    lengths += short_pages_yield_everything([[i["InstanceId"] for i in p] for p in pages], instance_ids, 5)
    pages = follow(ssm.describe_activations, "ActivationList", "NextToken", MaxResults=3)
    lengths += short_pages_yield_everything([[a["ActivationId"] for a in p] for p in pages], activation_ids, 3)
    pages = follow(ecs.list_container_instances, "containerInstanceArns", "nextToken", cluster="edge", maxResults=4)
    lengths += short_pages_yield_everything(pages, container_arns, 4)
    pages = follow(
        tagging.get_resources,
        "ResourceTagMappingList",
        "PaginationToken",
        ResourceTypeFilters=["ssm:managed-instance"],
        ResourcesPerPage=4,
    )
    lengths += short_pages_yield_everything(
        [[m["ResourceARN"].rsplit("/", 1)[-1] for m in p] for p in pages], instance_ids, 4
    )
    assert 0 in lengths, lengths  # an empty page with a token, followed to the end
    # boto3's paginators follow the tokens through empty pages.
    paginated = ssm.get_paginator("describe_instance_information").paginate(PaginationConfig={"PageSize": 5})
    assert [i["InstanceId"] for p in paginated for i in p["InstanceInformationList"]] == instance_ids


def test_short_pages_at_rate_one_still_end(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=3)
    emulator.client("ecs").create_cluster(clusterName="edge")
    arns = [register_instance(emulator, register(emulator, activation))["containerInstanceArn"] for _ in range(3)]
    emulator.set_config(short_pages=1.0)
    ecs = emulator.client("ecs")
    pages = follow(ecs.list_container_instances, "containerInstanceArns", "nextToken", cluster="edge", maxResults=1)
    assert pages == [[], [arns[0]], [], [arns[1]], [], [arns[2]]]


def test_without_short_pages_every_page_is_full(emulator, ssm):
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=12)
    instance_ids = [register(emulator, activation) for _ in range(12)]
    emulator.set_config(short_pages=0)
    pages = follow(ssm.describe_instance_information, "InstanceInformationList", "NextToken", MaxResults=5)
    assert [[i["InstanceId"] for i in p] for p in pages] == [instance_ids[:5], instance_ids[5:10], instance_ids[10:]]


# --- managed_instance_limit -------------------------------------------------------------------------


def test_managed_instance_limit_per_account_and_region(emulator, ssm):
    emulator.set_config(managed_instance_limit=2)
    activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=5)
    first = register(emulator, activation)
    register(emulator, activation)
    payload = {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]}
    status, body = agent_call(emulator, "RegisterManagedInstance", payload)
    assert (status, body["__type"]) == (400, "InvalidActivation")
    assert "2 managed instances" in body["message"]
    ssm.deregister_managed_instance(InstanceId=first)
    register(emulator, activation)
    west = emulator.client("ssm", region="eu-west-1").create_activation(IamRole="ecsAnywhereRole")
    register(emulator, west, region="eu-west-1")
