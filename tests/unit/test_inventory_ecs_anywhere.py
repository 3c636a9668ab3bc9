"""The ecs_anywhere inventory plugin's pure parts: input checks, host variables, default groups, host names."""

import pytest
from ansible.plugins.inventory import to_safe_group_name
from ansible_collections.onprem.ecs_anywhere.plugins.inventory import ecs_anywhere as plugin


def mi(number):
    return f"mi-{number:017x}"


# --- filters -----------------------------------------------------------------------------------------


def test_filters_become_lists_of_strings():
    checked, problems = plugin.checked_filters(
        {"PingStatus": "Online", "tag:site": ["lyon", "paris"], "tag:rack": 12, "tag-key": ["Name"]}
    )
    assert problems == []
    assert checked == {"PingStatus": ["Online"], "tag:site": ["lyon", "paris"], "tag:rack": ["12"], "tag-key": ["Name"]}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (["PingStatus"], "filters: must be a dictionary of filter names to lists of values, not list"),
        ({"Pingstatus": ["Online"]}, "filters: unknown filter 'Pingstatus'; use one of ActivationIds, AgentVersion"),
        ({"tag:": ["x"]}, "filters: unknown filter 'tag:'"),
        ({"ResourceType": ["EC2Instance"]}, "filters: ResourceType is set by the plugin (ManagedInstance)"),
        ({"PingStatus": {"is": "Online"}}, "filters: the value of PingStatus must be a list of strings"),
        ({"tag:site": [["lyon"]]}, "filters: the value of tag:site must be a list of strings"),
        ({"tag:site": [True]}, "filters: the value of tag:site must be a list of strings"),
        ({"tag:site": None}, "filters: the value of tag:site must be a list of strings"),
        ({"tag:site": []}, "filters: tag:site has no values; give at least one"),
        ({"tag:site": [str(n) for n in range(101)]}, "filters: tag:site has 101 values; SSM takes at most 100"),
        ({"PingStatus": ["online"]}, "filters: PingStatus takes Online, ConnectionLost, Inactive, not 'online'"),
        ({"PlatformTypes": ["Debian"]}, "filters: PlatformTypes takes Windows, Linux, MacOS, not 'Debian'"),
        ({"InstanceIds": ["i-0123456789abcdef0"]}, "filters: InstanceIds: 'i-0123456789abcdef0' is not a managed"),
        ({"ActivationIds": ["nope"]}, "filters: ActivationIds: 'nope' is not an activation id"),
    ],
)
def test_malformed_filters_are_named(filters, message):
    _, problems = plugin.checked_filters(filters)
    assert len(problems) == 1
    assert problems[0].startswith(message), problems


def test_every_bad_filter_is_named_at_once():
    _, problems = plugin.checked_filters({"Foo": ["x"], "PingStatus": ["Up"], "tag:site": ["lyon"]})
    assert [problem.split(";")[0].split(" takes")[0] for problem in problems] == [
        "filters: unknown filter 'Foo'",
        "filters: PingStatus",
    ]


# --- hostnames, regions, clusters ----------------------------------------------------------------------


def test_hostnames_take_the_four_sources_only():
    assert plugin.hostname_problems(["ip_address", "computer_name", "name", "instance_id"]) == []
    assert plugin.hostname_problems(["name", "dns-name"]) == [
        "hostnames: 'dns-name' is not one of name, computer_name, instance_id, ip_address"
    ]
    assert plugin.hostname_problems("name") == [
        "hostnames: must be a list of name, computer_name, instance_id, ip_address"
    ]


def test_regions_must_be_known_to_botocore():
    assert plugin.region_problems(["eu-west-1", "cn-north-1", "us-gov-west-1"]) == []
    (problem,) = plugin.region_problems(["eu-west-1", "us-eest-1"])
    assert problem.startswith("regions: 'us-eest-1' is not a region botocore knows")


def test_clusters_as_a_list_or_per_region():
    assert plugin.cluster_option_problems(None, []) == []
    assert plugin.cluster_option_problems(["edge", "arn:aws:ecs:eu-west-1:123456789012:cluster/lab"], []) == []
    assert plugin.cluster_option_problems({"eu-west-1": ["edge"], "us-east-1": []}, ["eu-west-1", "us-east-1"]) == []
    assert plugin.clusters_of(None, "eu-west-1") is None
    assert plugin.clusters_of(["edge"], "eu-west-1") == ["edge"]
    assert plugin.clusters_of({"eu-west-1": ["edge"]}, "eu-west-1") == ["edge"]
    assert plugin.clusters_of({"eu-west-1": ["edge"]}, "us-east-1") is None
    assert plugin.clusters_of({"eu-west-1": []}, "eu-west-1") == []


@pytest.mark.parametrize(
    ("clusters", "regions", "message"),
    [
        ("edge", [], "clusters: must be a list of ECS cluster names or ARNs, or a dictionary of regions"),
        (["edge lyon"], [], "clusters: 'edge lyon' is not an ECS cluster name"),
        ({"eu-west-1": ["edge"]}, ["us-east-1"], "clusters: region 'eu-west-1' is not in regions (us-east-1)"),
        ({"eu-wst-1": ["edge"]}, [], "regions: 'eu-wst-1' is not a region botocore knows"),
        ({"eu-west-1": "edge"}, [], "clusters: eu-west-1: must be a list of ECS cluster names or ARNs"),
    ],
)
def test_bad_clusters_are_named(clusters, regions, message):
    problems = plugin.cluster_option_problems(clusters, regions)
    assert len(problems) == 1
    assert problems[0].startswith(message), problems


# --- host variables and groups -------------------------------------------------------------------------


INFORMATION = {
    "instance_id": mi(1),
    "name": "default-name",
    "ping_status": "ConnectionLost",
    "last_ping_date_time": "2026-01-31T12:00:00+00:00",
    "computer_name": "edge-01.example.com",
    "ip_address": "192.0.2.10",
    "activation_id": "4f8b7c36-0000-4c6e-9a2e-1234567890ab",
    "iam_role": "ecsAnywhereRole",
    "registration_date": "2026-01-30T08:00:00+00:00",
    "agent_version": "3.3.0.0",
    "platform_type": "Linux",
    "platform_name": "Debian GNU/Linux",
    "platform_version": "12",
    "resource_type": "ManagedInstance",
}
CONTAINER_INSTANCE = {
    "arn": "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge-lyon/" + "a" * 32,
    "ec2_instance_id": mi(1),
    "status": "DRAINING",
    "agent_connected": False,
    "running_tasks_count": 2,
    "pending_tasks_count": 1,
    "agent_version": "1.90.0",
    "registered_at": "2026-01-30T08:01:00+00:00",
    "cluster": "edge-lyon",
}


def test_host_variables_of_a_registered_host():
    host = plugin.host_vars(INFORMATION, {"Name": "edge-01", "site": "lyon"}, CONTAINER_INSTANCE, "eu-west-1")
    assert host == {
        "instance_id": mi(1),
        "instance_name": "edge-01",
        "ping_status": "ConnectionLost",
        "last_ping_date_time": "2026-01-31T12:00:00+00:00",
        "agent_version": "3.3.0.0",
        "ip_address": "192.0.2.10",
        "computer_name": "edge-01.example.com",
        "platform_name": "Debian GNU/Linux",
        "platform_version": "12",
        "region": "eu-west-1",
        "registration_date": "2026-01-30T08:00:00+00:00",
        "instance_tags": {"Name": "edge-01", "site": "lyon"},
        "ecs_cluster": "edge-lyon",
        "container_instance_arn": CONTAINER_INSTANCE["arn"],
        "container_instance_status": "DRAINING",
        "ecs_agent_connected": False,
        "ecs_agent_version": "1.90.0",
        "running_tasks_count": 2,
        "pending_tasks_count": 1,
    }
    groups = [to_safe_group_name(group) for group in plugin.default_groups(host)]
    assert groups == ["ssm_ping_connectionlost", "ecs_cluster_edge_lyon", "ecs_status_draining"]


def test_a_host_without_container_instance_is_unregistered_and_named_as_ssm_names_it():
    host = plugin.host_vars(INFORMATION, {}, None, "eu-west-1")
    assert host["instance_name"] == "default-name"
    assert host["instance_tags"] == {}
    # Neither name nor tags: play keywords ansible-core warns about as variables.
    assert "name" not in host and "tags" not in host
    ecs_keys = [key for key in host if key.startswith(("ecs_", "container_", "running_", "pending_"))]
    assert len(ecs_keys) == 7 and all(host[key] is None for key in ecs_keys)
    assert plugin.default_groups(host) == ["ssm_ping_connectionlost", "ecs_unregistered"]
    assert plugin.host_vars(dict(INFORMATION, name=""), {}, None, "eu-west-1")["instance_name"] is None


# --- host names ----------------------------------------------------------------------------------------


def host(number, *, name=None, ping="Online", registered="2026-01-01", ip=None, computer=None):
    return {
        "instance_id": mi(number),
        "instance_name": name,
        "ping_status": ping,
        "registration_date": registered,
        "ip_address": ip,
        "computer_name": computer,
    }


def names(hosts, preferences, sanitize=str):
    named, displaced = plugin.assign_hostnames(hosts, preferences, sanitize)
    return {h["instance_id"]: name for name, h in named}, displaced


def test_the_first_preference_with_a_value_names_a_host():
    hosts = [host(1, name="edge-01"), host(2), host(3, computer="node-3")]
    assert names(hosts, ["name", "instance_id"])[0] == {mi(1): "edge-01", mi(2): mi(2), mi(3): mi(3)}
    assert names(hosts, ["name", "computer_name", "instance_id"])[0][mi(3)] == "node-3"
    # The instance id is the last resort, also when no preference gives a value.
    assert names(hosts, ["ip_address"])[0] == {mi(1): mi(1), mi(2): mi(2), mi(3): mi(3)}


def test_a_shared_name_goes_to_the_online_most_recent_instance_and_the_others_to_their_next_choice():
    hosts = [
        host(1, name="edge-01", ping="ConnectionLost", registered="2026-03-01", computer="old"),
        host(2, name="edge-01", registered="2026-01-01", computer="edge-01.example.com"),
        host(3, name="edge-01", registered="2026-02-01", computer="edge-01.example.com"),
    ]
    chosen, displaced = names(hosts, ["name", "computer_name", "instance_id"])
    assert chosen == {mi(3): "edge-01", mi(2): "edge-01.example.com", mi(1): "old"}
    assert displaced == [(mi(2), "edge-01"), (mi(1), "edge-01")]


def test_shared_addresses_fall_back_to_the_instance_id():
    hosts = [host(n, ip="192.0.2.1") for n in range(3)]
    chosen, displaced = names(hosts, ["ip_address"])
    assert sorted(chosen.values()) == ["192.0.2.1", mi(1), mi(2)]
    assert chosen[mi(0)] == "192.0.2.1"  # same date and status: the lowest id first
    assert len(displaced) == 2


def test_names_are_compared_after_sanitizing():
    hosts = [host(1, name="edge:01"), host(2, name="edge_01", registered="2025-01-01")]
    chosen, displaced = names(hosts, ["name", "instance_id"], plugin.InventoryModule()._sanitize_hostname)
    assert chosen == {mi(1): "edge_01", mi(2): mi(2)}
    assert displaced == [(mi(2), "edge_01")]


# --- configuration file names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "accepted"),
    [
        ("fleet.ecs_anywhere.yml", True),
        ("ecs_anywhere.yaml", True),
        ("fleet.aws_ec2.yml", False),
        ("ecs_anywhere.json", False),
    ],
)
def test_configuration_file_names(tmp_path, file_name, accepted):
    path = tmp_path / file_name
    path.write_text("plugin: onprem.ecs_anywhere.ecs_anywhere\n")
    assert plugin.InventoryModule().verify_file(str(path)) is accepted
