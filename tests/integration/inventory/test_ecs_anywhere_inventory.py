"""The ecs_anywhere inventory plugin through ansible-inventory, against the emulator: 1,200 hosts in two
regions, the calls they cost, the cache, the options, and bad input."""

from collections import Counter
from datetime import datetime
from math import ceil

import pytest

from tests.integration.inventory.hybrid_fleet import (
    ansible_inventory,
    drain,
    graphed,
    join_cluster,
    listed,
    register,
    tag,
    write_config,
)

MARKER = "ecs-anywhere:named"
ECS_VARIABLES = ("ecs_cluster", "container_instance_arn", "container_instance_status", "ecs_agent_connected")


def operations(emulator):
    return Counter(call["operation"] for call in emulator.calls())


def budget(instances_per_region: dict, container_instances_per_cluster: dict) -> dict:
    """The most calls a fresh read may make, from the plugin's rules: per region one DescribeInstanceInformation
    per 50 instances, one GetResources per 100, one ListClusters per 100 clusters; per cluster one
    ListContainerInstances and one DescribeContainerInstances per 100 container instances; one
    GetCallerIdentity a run."""
    clusters_per_region = Counter(region for region, _ in container_instances_per_cluster)
    return {
        "DescribeInstanceInformation": sum(ceil(n / 50) for n in instances_per_region.values()),
        "GetResources": sum(ceil(n / 100) for n in instances_per_region.values()),
        "GetCallerIdentity": 1,
        "ListClusters": sum(ceil(clusters_per_region[region] / 100) for region in instances_per_region),
        "ListContainerInstances": sum(ceil(n / 100) for n in container_instances_per_cluster.values()),
        "DescribeContainerInstances": sum(ceil(n / 100) for n in container_instances_per_cluster.values()),
    }


@pytest.mark.slow
def test_1200_hosts_in_two_regions_listed_grouped_and_cached(emulator, tmp_path):
    # Exact pages, so that the call count is the rule's; test_pages_... follows short ones.
    emulator.set_config(short_pages=0)
    emulator.set_ping_timeout(900)
    offline = range(0, 1000, 10)
    east = register(emulator, "us-east-1", range(400), tags={"site": "lyon"}, offline=offline)
    east += register(emulator, "us-east-1", range(400, 700), tags={"site": "paris"}, offline=offline)
    west = register(emulator, "eu-west-1", range(500), tags={"site": "berlin"}, offline=offline)
    named = east[:20] + west[:20]
    tag(emulator, named, lambda host: {"Name": f"{host.region}-edge-{host.number:03d}"})
    arns = join_cluster(emulator, "us-east-1", "edge", east[:400])
    arns |= join_cluster(emulator, "us-east-1", "lab", east[400:600])
    arns |= join_cluster(emulator, "eu-west-1", "edge", west[:450])
    drain(emulator, "us-east-1", "edge", [arns[host.instance_id] for host in east[390:400]])

    config = write_config(
        tmp_path,
        {
            "regions": ["us-east-1", "eu-west-1"],
            "endpoint_url": emulator.url,
            "keyed_groups": [{"key": "instance_tags.site", "prefix": "site"}],
            "compose": {"mi_id": "instance_id"},
            "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile",
            "cache_connection": str(tmp_path / "cache"),
        },
    )
    emulator.clear_calls()
    hostvars, groups = listed(ansible_inventory(emulator, config, "--list"))

    # Calls: within the rules' budget, and nothing else (no ListTagsForResource per instance).
    measured = operations(emulator)
    allowed = budget(
        {"us-east-1": 700, "eu-west-1": 500},
        {("us-east-1", "edge"): 400, ("us-east-1", "lab"): 200, ("eu-west-1", "edge"): 450},
    )
    print(f"calls for 1,200 hosts: {dict(measured)} (budget {allowed}, total {sum(measured.values())})")
    assert set(measured) <= set(allowed), measured
    assert all(measured[operation] <= allowed[operation] for operation in measured), (measured, allowed)
    assert sum(measured.values()) <= sum(allowed.values()) == 61

    # Hosts: named by their Name tag, else by their mi- id.
    hosts = east + west
    expected_names = {
        host.instance_id: f"{host.region}-edge-{host.number:03d}" if host in named else host.instance_id
        for host in hosts
    }
    assert set(hostvars) == set(expected_names.values())
    by_id = {variables["instance_id"]: variables for variables in hostvars.values()}
    assert {instance_id: by_id[instance_id] for instance_id in expected_names} == {
        instance_id: hostvars[name] for instance_id, name in expected_names.items()
    }
    for host in hosts:
        variables = by_id[host.instance_id]
        assert variables["region"] == host.region
        assert variables["ping_status"] == ("Online" if host.online else "ConnectionLost")
        assert variables["container_instance_arn"] == arns.get(host.instance_id)
        assert variables["mi_id"] == host.instance_id
        if host.online:
            assert (variables["ip_address"], variables["ansible_host"]) == (host.ip_address, host.ip_address)
        else:
            assert variables["ip_address"] is None and "ansible_host" not in variables

    # One host's every variable.
    sample = west[1]
    variables = hostvars["eu-west-1-edge-001"]
    assert datetime.fromisoformat(variables.pop("registration_date"))
    assert datetime.fromisoformat(variables.pop("last_ping_date_time"))
    assert variables == {
        "instance_id": sample.instance_id,
        "instance_name": "eu-west-1-edge-001",
        "ping_status": "Online",
        "agent_version": "3.3.1611.0",
        "ip_address": sample.ip_address,
        "computer_name": "eu-west-1-node-1",
        "platform_name": "Debian GNU/Linux",
        "platform_version": "12",
        "region": "eu-west-1",
        "instance_tags": {"site": "berlin", "Name": "eu-west-1-edge-001"},
        "ecs_cluster": "edge",
        "container_instance_arn": arns[sample.instance_id],
        "container_instance_status": "ACTIVE",
        "ecs_agent_connected": True,
        "ecs_agent_version": "1.90.0",
        "running_tasks_count": 0,
        "pending_tasks_count": 0,
        "ansible_host": sample.ip_address,
        "mi_id": sample.instance_id,
    }
    unregistered = hostvars[east[650].instance_id]
    assert [unregistered[key] for key in ECS_VARIABLES] == [None] * 4

    # Groups.
    def names_of(selected):
        return {expected_names[host.instance_id] for host in selected}

    assert groups["ecs_cluster_edge"] == names_of(east[:400] + west[:450])
    assert groups["ecs_cluster_lab"] == names_of(east[400:600])
    assert groups["ecs_unregistered"] == names_of(east[600:] + west[450:])
    assert groups["ecs_status_draining"] == names_of(east[390:400])
    assert len(groups["ecs_status_active"]) == 1040
    assert groups["ssm_ping_connectionlost"] == names_of(host for host in hosts if not host.online)
    assert len(groups["ssm_ping_online"]) == 1200 - 70 - 50
    assert [len(groups[f"site_{site}"]) for site in ("lyon", "paris", "berlin")] == [400, 300, 500]

    # A second run reads the cache: no AWS call, the same groups; --flush-cache reads AWS again.
    emulator.clear_calls()
    assert graphed(ansible_inventory(emulator, config, "--graph")) == groups
    assert emulator.calls() == []
    assert graphed(ansible_inventory(emulator, config, "--graph", "--flush-cache")) == groups
    assert operations(emulator) == measured


@pytest.fixture
def small_fleet(emulator):
    """123 hosts of us-east-1 under the emulator's strict start values (short pages): 120 of site lyon
    (every 4th offline, 10-14 marked as named by the collection, 40-79 in cluster edge, 80-99 in lab), then
    three named edge-01, registered one after the other: two online, then an offline one."""
    emulator.set_ping_timeout(900)
    hosts = register(emulator, "us-east-1", range(120), tags={"site": "lyon"}, offline=range(0, 120, 4))
    tag(emulator, hosts[10:15], {MARKER: "x"})
    shared = [register(emulator, "us-east-1", [number], offline=[202])[0] for number in (200, 201, 202)]
    tag(emulator, shared, {"Name": "edge-01"})
    join_cluster(emulator, "us-east-1", "edge", hosts[40:80])
    join_cluster(emulator, "us-east-1", "lab", hosts[80:100])
    return hosts, shared


def test_short_pages_are_followed_and_a_shared_name_goes_to_the_newest_online_host(emulator, small_fleet, tmp_path):
    hosts, (older, newest, offline) = small_fleet
    assert emulator.config()["short_pages"] > 0
    run = ansible_inventory(emulator, write_config(tmp_path, {"regions": ["us-east-1"]}), "--list")
    hostvars, groups = listed(run)
    assert set(hostvars) == {host.instance_id for host in hosts} | {"edge-01", offline.instance_id, older.instance_id}
    assert hostvars["edge-01"]["instance_id"] == newest.instance_id
    assert hostvars[older.instance_id]["instance_name"] == "edge-01"
    assert "2 managed instance(s) share a host name with another" in run.stderr
    # The host variables avoid the play keywords ansible-core reserves (name, tags).
    assert "reserved name" not in run.stderr
    assert len(groups["ecs_cluster_edge"]) == 40 and len(groups["ecs_cluster_lab"]) == 20
    assert len(groups["ecs_unregistered"]) == 63


def test_filters_hostnames_compose_and_only_marked(emulator, small_fleet, tmp_path):
    hosts, _ = small_fleet
    online = [host for host in hosts if host.online]
    config = {
        "regions": ["us-east-1"],
        "filters": {"tag:site": ["lyon"], "PingStatus": "Online"},
        "hostnames": ["ip_address", "instance_id"],
        "compose": {"ansible_host": "computer_name"},
    }
    hostvars, _ = listed(ansible_inventory(emulator, write_config(tmp_path, config), "--list"))
    assert set(hostvars) == {host.ip_address for host in online}
    assert {variables["ansible_host"] for variables in hostvars.values()} == {host.computer_name for host in online}

    marked = write_config(tmp_path, {"regions": ["us-east-1"], "only_marked": True}, "marked.ecs_anywhere.yaml")
    hostvars, groups = listed(ansible_inventory(emulator, marked, "--list"))
    assert set(hostvars) == {host.instance_id for host in hosts[10:15]}
    assert all(variables["instance_tags"] == {"site": "lyon", MARKER: "x"} for variables in hostvars.values())

    # A filter that matches nothing: no host, no error, and nothing called beyond the lookup.
    emulator.clear_calls()
    nothing = write_config(
        tmp_path, {"regions": ["us-east-1"], "filters": {"tag:site": ["nowhere"]}}, "x.ecs_anywhere.yml"
    )
    run = ansible_inventory(emulator, nothing, "--list")
    hostvars, groups = listed(run)
    assert hostvars == {} and groups == {}
    assert "share a host name" not in run.stderr
    assert set(operations(emulator)) == {"DescribeInstanceInformation"}


def test_clusters_named_in_the_configuration(emulator, small_fleet, tmp_path):
    hosts, _ = small_fleet
    emulator.clear_calls()
    config = write_config(tmp_path, {"regions": ["us-east-1"], "clusters": {"us-east-1": ["lab"]}})
    _, groups = listed(ansible_inventory(emulator, config, "--list"))
    assert groups["ecs_cluster_lab"] == {host.instance_id for host in hosts[80:100]}
    assert "ecs_cluster_edge" not in groups
    assert {host.instance_id for host in hosts[40:80]} <= groups["ecs_unregistered"]
    assert operations(emulator)["ListClusters"] == 0

    config = write_config(tmp_path, {"regions": ["us-east-1"], "clusters": ["lab", "nope"]})
    run = ansible_inventory(emulator, config, "--list")
    assert run.returncode != 0
    assert "clusters: ECS has no cluster 'nope' in us-east-1" in run.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"regions": ["us-east-1", "us-eest-1"]}, "regions: 'us-eest-1' is not a region botocore knows"),
        ({"filters": {"Pingstatus": ["Online"]}}, "filters: unknown filter 'Pingstatus'; use one of ActivationIds"),
        ({"filters": {"tag:site": {"is": "lyon"}}}, "filters: the value of tag:site must be a list of strings"),
        ({"filters": {"PingStatus": ["Up"]}}, "filters: PingStatus takes Online, ConnectionLost, Inactive, not 'Up'"),
        ({"filters": ["PingStatus"]}, "Config 'filters' for"),
        ({"hostnames": ["name", "dns-name"]}, "hostnames: 'dns-name' is not one of name, computer_name, instance_id"),
        ({"clusters": {"eu-west-1": ["edge"]}}, "clusters: region 'eu-west-1' is not in regions (us-east-1)"),
    ],
)
def test_bad_input_fails_before_any_call(emulator, tmp_path, config, message):
    run = ansible_inventory(emulator, write_config(tmp_path, {"regions": ["us-east-1"], **config}), "--list")
    assert run.returncode != 0
    assert message in run.stderr
    assert emulator.calls() == []


def test_without_regions_every_region_ec2_lists_is_read(emulator, tmp_path):
    west = register(emulator, "eu-west-1", range(3), tags={"site": "berlin"})
    emulator.clear_calls()
    hostvars, groups = listed(ansible_inventory(emulator, write_config(tmp_path, {}), "--list"))
    assert set(hostvars) == {host.instance_id for host in west}
    assert groups["ecs_unregistered"] == set(hostvars)
    listed_regions = {
        region["RegionName"] for region in emulator.client("ec2", region="us-east-1").describe_regions()["Regions"]
    }
    calls = emulator.calls()
    assert {call["region"] for call in calls if call["operation"] == "DescribeInstanceInformation"} == listed_regions
    # Regions without a managed instance cost their lookup only.
    assert {call["region"] for call in calls if call["service"] in ("ecs", "tagging")} == {"eu-west-1"}
