"""The batch's decisions (plugins/filter/registration_plan.py, registration_outcome.py): what each
host needs, grouped for batched calls per connection and cluster, and where each host stands after
registering."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.filter.batch_lookups import batch_lookups
from ansible_collections.onprem.ecs_anywhere.plugins.filter.control_plane_targets import control_plane_targets
from ansible_collections.onprem.ecs_anywhere.plugins.filter.registration_outcome import registration_outcome
from ansible_collections.onprem.ecs_anywhere.plugins.filter.registration_plan import registration_plan
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY, naming_marker

CLUSTER = "edge"
REGION = "eu-west-1"
AWS = {"region": REGION, "endpoint_url": "", "profile": ""}
KEY = f"{REGION}||"


def aws(region=REGION):
    return dict(AWS, region=region)


def mi(number):
    return f"mi-{number:017x}"


def arn(number, cluster=CLUSTER, region=REGION):
    return f"arn:aws:ecs:{region}:123456789012:container-instance/{cluster}/{number:032x}"


def host(name, instance_id="", cluster="", **wants):
    entry = {
        "name": name,
        "instance_id": instance_id,
        "naming_marker": naming_marker(instance_id, name, {}) if instance_id else "",
        "cluster": cluster,
        "target_cluster": CLUSTER,
        "aws": dict(AWS),
        "activation": {"role_name": "ecsAnywhereRole", "expires_in": "1h", "tags": {}},
        "verify_timeout": 300,
        "container_instance_arn": "",
        "start_agents": True,
        "force_reregister": False,
        "drain_timeout": 600,
        "drain_force": False,
        "instance_name": name,
        "instance_tags": {},
        "computer_names": [name],
        "addresses": [],
        "batch": {"ecs_anywhere_state": "present"},
    }
    entry.update(wants)
    return entry


def managed(number, name="", ping="Online", **more):
    return dict({"instance_id": mi(number), "name": name, "ping_status": ping}, **more)


def container(number, status="ACTIVE", connected=True, cluster=CLUSTER, region=REGION, **more):
    return dict(
        {
            "arn": arn(number, cluster, region),
            "ec2_instance_id": mi(number),
            "status": status,
            "agent_connected": connected,
        },
        **more,
    )


def results(field, found, key=KEY, **item):
    """One looped lookup's results, as a registered loop gives them."""
    return [{"item": dict(item, key=key), field: list(found)}]


def plan_for(hosts, managed_found=(), containers_found=(), named=(), **options):
    """The plan, with the lookups of one connection and cluster (REGION, CLUSTER)."""
    named = set(named)
    return registration_plan(
        hosts,
        named=results("instances", [item for item in managed_found if item["instance_id"] in named]),
        others=results("instances", [item for item in managed_found if item["instance_id"] not in named]),
        containers=results("container_instances", containers_found, cluster=CLUSTER),
        **options,
    )


def group(instances, cluster=CLUSTER, drain_timeout=600, force=False, region=REGION):
    return {
        "aws": aws(region),
        "cluster": cluster,
        "drain_timeout": drain_timeout,
        "force": force,
        "instances": instances,
    }


def test_a_registered_host_needs_nothing_and_a_new_one_everything():
    plan = plan_for([host("a", mi(1), CLUSTER), host("b")], [managed(1, "a")], [container(1)])
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is False
    assert plan["hosts"]["b"]["needs_ssm_registration"] is True
    assert plan["hosts"]["b"]["needs_ecs_registration"] is True
    assert plan["activation_of"] == {"b": 0}
    assert plan["activations"] == [
        {
            "aws": aws(),
            "iam_role": "ecsAnywhereRole",
            "expires_in": "1h",
            "tags": {},
            "registration_limit": 1,
            "default_instance_name": CLUSTER,
            "description": "onprem.ecs_anywhere registration of 1 host(s) for cluster(s) edge",
        }
    ]
    assert plan["ecs_registering"] == {"b": True}
    assert plan["leave"] == []
    assert plan["replaced_identities"] == []


def test_a_host_whose_identity_ssm_forgot_registers_again_and_its_old_container_instance_is_forced_out():
    plan = plan_for([host("a", mi(1), CLUSTER)], [], [container(1)])
    assert plan["hosts"]["a"]["needs_ssm_registration"] is True
    # Its agent can reach nothing any more: nothing runs those tasks.
    assert plan["leave"] == [group([arn(1)], drain_timeout=0, force=True)]
    # SSM no longer knows the identity: there is nothing to deregister there.
    assert plan["replaced_identities"] == []


def test_a_host_moving_clusters_leaves_its_old_container_instance_drained_as_the_user_says():
    hosts = [host("a", mi(1), "old", drain_timeout=30), host("b", mi(2), "old", drain_timeout=30, drain_force=True)]
    plan = plan_for(hosts, [managed(1), managed(2)], [])
    assert plan["leave"] == [group([mi(1)], "old", 30, False), group([mi(2)], "old", 30, True)]
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is True
    assert plan["activation_of"] == {}


def test_forced_reregistration_drains_the_old_container_instance_as_the_user_says():
    plan = plan_for([host("a", mi(1), CLUSTER, force_reregister=True, drain_timeout=45)], [managed(1)], [container(1)])
    assert plan["replaced_identities"] == [{"aws": aws(), "instances": [{"instance_id": mi(1)}]}]
    assert plan["leave"] == [group([arn(1)], drain_timeout=45, force=False)]
    assert plan["activation_of"] == {"a": 0}


def test_a_host_left_unstarted_registers_nowhere_and_lets_go_of_nothing():
    hosts = [host("a", mi(1), "old", start_agents=False), host("b", start_agents=False)]
    plan = plan_for(hosts, [], [container(1)])
    assert plan["activation_of"] == {} and plan["ecs_registering"] == {} and plan["leave"] == []


def test_a_stopped_container_instance_is_registered_again_without_a_new_identity():
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1)], [container(1, status="INACTIVE")])
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is True


def test_a_live_container_instance_wins_over_a_deregistered_one_of_the_same_identity():
    found = [container(1, status="INACTIVE"), container(1, status="ACTIVE")]
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1)], found)
    assert plan["hosts"]["a"]["needs_ecs_registration"] is False


def test_activations_hold_at_most_their_size():
    plan = plan_for([host(f"h{number}") for number in range(5)], activation_size=2)
    assert plan["activation_of"] == {"h0": 0, "h1": 0, "h2": 1, "h3": 1, "h4": 2}
    assert [item["registration_limit"] for item in plan["activations"]] == [2, 2, 1]


def test_deregistration_groups_by_the_cluster_each_host_is_in():
    hosts = [host("a", mi(1), "old"), host("b", mi(2), CLUSTER), host("c", mi(3), ""), host("d", mi(4), CLUSTER)]
    plan = plan_for(hosts, [managed(1), managed(2), managed(3)], [])
    assert plan["deregister"] == {
        "container_instances": [group([mi(1)], "old"), group([mi(2), mi(3)])],
        # d: SSM does not know it, nothing to take out.
        "managed_instances": [
            {"aws": aws(), "instances": [{"instance_id": mi(1)}, {"instance_id": mi(2)}, {"instance_id": mi(3)}]}
        ],
    }


def test_hosts_of_one_batch_that_differ_in_state_are_refused_naming_the_setting_and_hosts():
    hosts = [host("a"), host("b", batch={"ecs_anywhere_state": "absent"}), host("c")]
    with pytest.raises(AnsibleFilterError) as error:
        plan_for(hosts)
    message = str(error.value)
    assert "ecs_anywhere_state: must be the same on every host of a play batch" in message
    assert "'present' on a, c" in message and "'absent' on b" in message


def fleet():
    """Four hosts: two in edge and one in lab of us-east-1, one in edge of eu-west-1."""
    return [
        host(
            "a",
            mi(1),
            "edge",
            aws=aws("us-east-1"),
            target_cluster="edge",
            container_instance_arn=arn(1, "edge", "us-east-1"),
        ),
        host("b", mi(2), "edge", aws=aws("us-east-1"), target_cluster="edge"),
        host("c", "", "", aws=aws("us-east-1"), target_cluster="lab"),
        host(
            "d",
            "",
            "",
            aws=aws("eu-west-1"),
            target_cluster="edge",
            activation={"role_name": "r", "expires_in": "2h", "tags": {}},
        ),
    ]


def test_a_batch_of_several_regions_and_clusters_is_looked_up_per_connection_and_cluster():
    lookups = batch_lookups(fleet())
    assert [(item["aws"]["region"], item["instance_ids"]) for item in lookups["ssm"]] == [
        ("us-east-1", [mi(1), mi(2)]),
        ("eu-west-1", []),
    ]
    assert [
        (item["aws"]["region"], item["cluster"], item["container_instance_arns"], item["instance_ids"])
        for item in lookups["ecs"]
    ] == [
        ("us-east-1", "edge", [arn(1, "edge", "us-east-1")], [mi(2)]),
    ]


def test_activations_are_made_per_connection_role_expiry_and_tags():
    hosts = fleet()
    hosts.append(host("e", aws=aws("us-east-1"), target_cluster="edge"))
    east = "us-east-1||"
    plan = registration_plan(
        hosts,
        others=results("instances", [managed(1), managed(2)], key=east),
        containers=results(
            "container_instances",
            [container(1, region="us-east-1"), container(2, region="us-east-1")],
            key=east,
            cluster="edge",
        ),
    )
    assert plan["activation_of"] == {"c": 0, "e": 0, "d": 1}
    first, second = plan["activations"]
    assert (first["aws"]["region"], first["registration_limit"], first["default_instance_name"]) == (
        "us-east-1",
        2,
        "onprem.ecs_anywhere",
    )
    assert (second["aws"]["region"], second["iam_role"], second["expires_in"]) == ("eu-west-1", "r", "2h")
    assert (
        plan["hosts"]["a"]["needs_ssm_registration"] is False and plan["hosts"]["b"]["needs_ecs_registration"] is False
    )


def test_an_identity_of_another_region_is_not_taken_for_the_hosts():
    # The same id known in eu-west-1 only: the host in us-east-1 registers anew.
    plan = registration_plan(
        [host("a", mi(1), CLUSTER, aws=aws("us-east-1"))], others=results("instances", [managed(1)])
    )
    assert plan["hosts"]["a"]["needs_ssm_registration"] is True


def test_of_cloned_hosts_the_one_ssm_hears_from_keeps_the_identity_and_the_clones_register_anew():
    hosts = [
        host("a", mi(1), CLUSTER, container_instance_arn=arn(1), computer_names=["a"]),
        host("b", mi(1), CLUSTER, container_instance_arn=arn(1), computer_names=["b"]),
        host("c", mi(1), CLUSTER, container_instance_arn=arn(1), computer_names=["c"]),
    ]
    plan = plan_for(hosts, [managed(1, computer_name="B", ip_address="10.0.0.2")], [container(1)], named=[mi(1)])
    assert plan["hosts"]["b"]["needs_ssm_registration"] is False and plan["hosts"]["b"]["named"] is True
    for clone in ("a", "c"):
        entry = plan["hosts"][clone]
        assert entry["needs_ssm_registration"] is True and entry["needs_ecs_registration"] is True
        assert entry["clone_of"] == "b" and "SSM's heartbeat for it comes from b" in entry["clone_note"]
    # The original keeps its identity and container instance: nothing of it is let go of.
    assert plan["leave"] == [] and plan["replaced_identities"] == []
    assert plan["activation_of"] == {"a": 0, "c": 0}


def test_clones_are_told_apart_by_address_when_the_names_do_not_tell():
    hosts = [
        host("a", mi(1), CLUSTER, computer_names=["golden"], addresses=["10.0.0.1"]),
        host("b", mi(1), CLUSTER, computer_names=["golden"], addresses=["10.0.0.2"]),
    ]
    plan = plan_for(hosts, [managed(1, computer_name="golden", ip_address="10.0.0.2")], [container(1)])
    assert plan["hosts"]["a"]["clone_of"] == "b" and plan["hosts"]["b"]["clone_of"] == ""


def test_when_ssm_cannot_tell_the_clones_apart_the_first_keeps_it_and_the_note_says_so():
    hosts = [host("a", mi(1), CLUSTER), host("b", mi(1), CLUSTER)]
    plan = plan_for(hosts, [managed(1, computer_name="elsewhere")], [container(1)])
    assert plan["hosts"]["a"]["clone_of"] == ""
    assert "matches none of them alone" in plan["hosts"]["b"]["clone_note"]


def ghost(number, name):
    return {"instance_id": mi(number), "tags": {"Name": name, MARKER_KEY: naming_marker(mi(number), name, {})}}


def test_a_reimaged_host_takes_out_its_marked_ghosts_once_its_new_identity_is_up():
    foreign = {"instance_id": mi(8), "tags": {"Name": "c", MARKER_KEY: naming_marker(mi(7), "c", {})}}
    unmarked = {"instance_id": mi(6), "tags": {"Name": "c"}}
    plan = plan_for([host("c", drain_timeout=20), host("e", mi(4), CLUSTER)], [managed(4)], [container(4)])
    # Only the hosts that register anew are looked up, by their Name.
    assert plan["ghost_lookups"] == [{"aws": aws(), "names": ["c"]}]
    found = results("instances", [ghost(9, "c"), foreign, unmarked, ghost(5, "other")], aws=aws())
    ready = registration_outcome(
        plan,
        {"c": mi(10), "e": mi(4)},
        managed_instances=[managed(10)],
        container_instances=[container(10)],
        ghosts=found,
    )
    # Only an instance whose marker holds its own id is the collection's.
    assert ready["ghosts"] == {
        "container_instances": [group([mi(9)], drain_timeout=20)],
        "managed_instances": [{"aws": aws(), "instances": [{"instance_id": mi(9)}]}],
    }
    assert "took out the identities it held before (reimaged or cloned over): " + mi(9) in ready["report"]["c"]["note"]
    # Not up: the ghost stays (the host may still need it to be found).
    not_up = registration_outcome(
        plan, {"c": mi(10)}, managed_instances=[managed(10, ping="ConnectionLost")], ghosts=found
    )
    assert not_up["ghosts"] == {"container_instances": [], "managed_instances": []}


def test_a_clone_takes_out_its_own_earlier_identity_never_the_original_or_a_replaced_one():
    hosts = [
        host("b", mi(1), CLUSTER, computer_names=["b"]),
        host("c", mi(1), CLUSTER, computer_names=["c"]),
        host("f", mi(3), CLUSTER, force_reregister=True),
    ]
    plan = plan_for(hosts, [managed(1, computer_name="c"), managed(3)], [container(1), container(3)])
    assert plan["ghost_lookups"] == [{"aws": aws(), "names": ["b", "f"]}]
    found = results("instances", [ghost(2, "b"), ghost(1, "c"), ghost(3, "f")], aws=aws())
    up = [managed(7), managed(8)]
    outcome = registration_outcome(
        plan,
        {"b": mi(7), "c": mi(1), "f": mi(8)},
        managed_instances=up,
        container_instances=[container(7), container(8)],
        ghosts=found,
    )
    # b's identity before it was cloned over goes; f's replaced one is leave.yml's, c's is c's.
    assert outcome["ghosts"]["managed_instances"] == [{"aws": aws(), "instances": [{"instance_id": mi(2)}]}]
    assert "clone of c" in outcome["report"]["b"]["note"] and mi(2) in outcome["report"]["b"]["note"]


def named(instance_id, name, tags=None):
    return {
        "instance_id": instance_id,
        "name": name,
        "tags": dict(tags or {}, **{MARKER_KEY: naming_marker(instance_id, name, tags or {})}),
    }


def test_the_outcome_waits_for_the_hosts_that_registered_and_names_the_new_ones():
    plan = plan_for([host("a", mi(1), CLUSTER), host("b")], [managed(1, "a")], [container(1)], named=[mi(1)])
    before = registration_outcome(plan, {"a": mi(1), "b": mi(2)})
    assert before["waiting"] == [{"aws": aws(), "instance_ids": [mi(2)], "verify_timeout": 300}]
    assert before["waiting_ecs"] == [{"aws": aws(), "cluster": CLUSTER, "instance_ids": [mi(2)], "verify_timeout": 300}]
    after = registration_outcome(
        plan,
        {"a": mi(1), "b": mi(2)},
        managed_instances=[managed(2, "edge", agent_version="3.3.1611.0")],
        container_instances=[container(2, agent_version="1.90.0")],
    )
    assert after["failures"] == {}
    assert after["naming"] == [{"aws": aws(), "instances": [named(mi(2), "b")]}]
    assert after["report"]["b"] == {
        "managed_instance_id": mi(2),
        "container_instance_arn": arn(2),
        "region": REGION,
        "cluster": CLUSTER,
        "agent_versions": {
            "ssm_agent": {"before": "", "after": "3.3.1611.0"},
            "ecs_agent": {"before": "", "after": "1.90.0"},
        },
    }
    assert after["report"]["a"]["container_instance_arn"] == arn(1)


def test_the_waits_are_grouped_per_connection_and_cluster_with_the_longest_timeout():
    hosts = [
        host("a", verify_timeout=60),
        host("b", verify_timeout=120, target_cluster="lab"),
        host("c", aws=aws("us-east-1")),
    ]
    outcome = registration_outcome(plan_for(hosts), {"a": mi(1), "b": mi(2), "c": mi(3)})
    assert [(item["aws"]["region"], item["instance_ids"], item["verify_timeout"]) for item in outcome["waiting"]] == [
        (REGION, [mi(1), mi(2)], 120),
        ("us-east-1", [mi(3)], 300),
    ]
    assert [(item["aws"]["region"], item["cluster"], item["instance_ids"]) for item in outcome["waiting_ecs"]] == [
        (REGION, CLUSTER, [mi(1)]),
        (REGION, "lab", [mi(2)]),
        ("us-east-1", CLUSTER, [mi(3)]),
    ]


def test_a_registered_host_not_shown_named_is_named_with_its_tags_and_the_marker():
    plan = plan_for(
        [host("a", mi(1), CLUSTER, instance_name="edge-a", instance_tags={"site": "x"})],
        [managed(1, "edge-a")],
        [container(1)],
    )
    outcome = registration_outcome(plan, {"a": mi(1)})
    # What SSM reports as Name proves nothing (AWS documents it as the activation's default name).
    assert outcome["naming"] == [{"aws": aws(), "instances": [named(mi(1), "edge-a", {"site": "x"})]}]


def test_a_host_shown_named_as_wanted_is_left_alone():
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1, "ecs-default")], [container(1)], named=[mi(1)])
    assert plan["hosts"]["a"]["named"] is True
    assert registration_outcome(plan, {"a": mi(1)})["naming"] == []


def test_the_marker_changes_with_the_name_and_the_tags_and_names_its_instance():
    marker = naming_marker(mi(1), "edge-a", {"site": "x"})
    assert marker.startswith(mi(1) + ":")
    assert marker == naming_marker(mi(1), "edge-a", {"site": "x"})
    others = {
        naming_marker(mi(2), "edge-a", {"site": "x"}),
        naming_marker(mi(1), "edge-b", {"site": "x"}),
        naming_marker(mi(1), "edge-a", {"site": "y"}),
        naming_marker(mi(1), "edge-a", {}),
    }
    assert marker not in others and len(others) == 4


def test_a_leftover_of_an_agent_that_lost_its_data_is_never_taken_for_the_live_one():
    old = dict(container(1), agent_connected=False, registered_at="2026-01-01T00:00:00+00:00")
    new = dict(container(2), ec2_instance_id=mi(1), registered_at="2026-02-01T00:00:00+00:00")
    for reported in ("", new["arn"]):
        for found in ([old, new], [new, old]):
            plan = plan_for(
                [host("a", mi(1), CLUSTER, container_instance_arn=reported)], [managed(1)], found, named=[mi(1)]
            )
            entry = plan["hosts"]["a"]
            assert entry["container_instance"]["arn"] == new["arn"]
            assert entry["needs_ecs_registration"] is False
            # ... and is let go of: deregistered, forced (nothing runs it any more).
            assert plan["leave"] == [group([old["arn"]], drain_timeout=0, force=True)]


def test_two_disconnected_container_instances_of_a_host_are_both_left_alone():
    first = dict(container(1), agent_connected=False, registered_at="2026-01-01T00:00:00+00:00")
    second = dict(container(2), ec2_instance_id=mi(1), agent_connected=False, registered_at="2026-02-01T00:00:00+00:00")
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1)], [first, second], named=[mi(1)])
    # Nothing tells which one the agent is: none is deregistered on a guess.
    assert plan["hosts"]["a"]["container_instance"]["arn"] == second["arn"]
    assert plan["leave"] == []


def test_a_host_not_up_in_time_fails_with_what_ssm_and_ecs_say():
    outcome = registration_outcome(
        plan_for([host("b")]),
        {"b": mi(2)},
        managed_instances=[managed(2, ping="ConnectionLost")],
        container_instances=[],
    )
    message = outcome["failures"]["b"]
    assert message.startswith(f"b ({mi(2)}) is not ready after 300 s (ecs_anywhere_verify_timeout)")
    assert (
        "SSM ping status ConnectionLost, ECS status not registered, agent connected False in cluster edge of eu-west-1"
        in message
    )
    assert outcome["naming"] == [] and "b" not in outcome["report"]


def test_a_host_that_failed_on_its_side_keeps_its_message_and_is_not_waited_for_or_named():
    outcome = registration_outcome(plan_for([host("b")]), {"b": ""}, failures={"b": "Install the SSM agent: 404"})
    assert outcome["waiting"] == []
    assert outcome["failures"] == {"b": "Install the SSM agent: 404"}
    assert outcome["naming"] == []


def test_a_check_run_waits_for_nothing_names_nothing_and_fails_nothing():
    outcome = registration_outcome(plan_for([host("b")]), {"b": ""}, check_mode=True)
    assert outcome["waiting"] == [] and outcome["naming"] == [] and outcome["failures"] == {}
    assert outcome["report"]["b"] == {
        "managed_instance_id": "(would register)",
        "container_instance_arn": "(would register)",
        "region": REGION,
        "cluster": CLUSTER,
        "agent_versions": {"ssm_agent": {"before": "", "after": ""}, "ecs_agent": {"before": "", "after": ""}},
    }


def test_the_report_gives_the_agent_versions_before_and_after_an_upgrade():
    old_ssm, old_ecs = managed(1, "a", agent_version="3.3.1142.0"), container(1, agent_version="1.89.2")
    plan = plan_for(
        [host("a", mi(1), CLUSTER), host("b", mi(2), CLUSTER), host("c", mi(3), CLUSTER)],
        [old_ssm, managed(2, "b", agent_version="3.3.1142.0"), managed(3, "c", agent_version="3.3.1611.0")],
        [old_ecs, container(2, agent_version="1.89.2"), container(3, agent_version="1.90.0")],
        named=[mi(1), mi(2), mi(3)],
    )
    outcome = registration_outcome(
        plan,
        {"a": mi(1), "b": mi(2), "c": mi(3)},
        versions_seen={"a": {"ssm_agent": "3.3.1611.0", "ecs_agent": "1.90.0"}},
        upgrades_pending=["b"],
    )
    assert outcome["report"]["a"]["agent_versions"] == {
        "ssm_agent": {"before": "3.3.1142.0", "after": "3.3.1611.0"},
        "ecs_agent": {"before": "1.89.2", "after": "1.90.0"},
    }
    # b's upgrade follows in the rolling play; c had nothing to change.
    assert outcome["report"]["b"]["agent_versions"]["ecs_agent"] == {"before": "1.89.2", "after": "1.89.2"}
    assert "upgraded next" in outcome["report"]["b"]["note"]
    assert outcome["report"]["c"]["agent_versions"]["ecs_agent"] == {"before": "1.90.0", "after": "1.90.0"}
    assert "note" not in outcome["report"]["c"]


def test_hosts_gone_from_the_batch_are_left_out():
    outcome = registration_outcome(plan_for([host("a"), host("b")]), {"a": ""}, check_mode=True)
    assert list(outcome["report"]) == ["a"]


def test_the_control_plane_ensures_each_role_and_cluster_once_and_leaves_out_bad_hosts():
    targets = control_plane_targets(
        ["a", "b", "c", "d", "e"],
        regions=["us-east-1", "us-east-1", "us-east-1", "eu-west-1", "Nowhere"],
        clusters=["edge", "edge", "lab", "edge", "edge"],
        endpoint_urls=["", "", "", "", ""],
        profiles=["", "", "", "", ""],
        role_names=["ecsAnywhereRole"] * 5,
    )
    assert [(item["role_name"], item["hosts"]) for item in targets["roles"]] == [("ecsAnywhereRole", 4)]
    assert [(item["aws"]["region"], item["cluster"], item["hosts"]) for item in targets["clusters"]] == [
        ("us-east-1", "edge", 2),
        ("us-east-1", "lab", 1),
        ("eu-west-1", "edge", 1),
    ]
    assert targets["problems"] == {"e": "ecs_anywhere_region 'Nowhere' is not an AWS region name such as us-east-1"}
    # Each region's clusters are looked up in one call; only the missing ones are created.
    assert [(item["aws"]["region"], item["names"]) for item in targets["cluster_lookups"]] == [
        ("us-east-1", ["edge", "lab"]),
        ("eu-west-1", ["edge"]),
    ]
    found = [
        {"item": lookup, "missing": ["lab"] if lookup["aws"]["region"] == "us-east-1" else []}
        for lookup in targets["cluster_lookups"]
    ]
    again = control_plane_targets(
        ["a", "b", "c", "d", "e"],
        regions=["us-east-1", "us-east-1", "us-east-1", "eu-west-1", "Nowhere"],
        clusters=["edge", "edge", "lab", "edge", "edge"],
        endpoint_urls=[""] * 5,
        profiles=[""] * 5,
        role_names=["ecsAnywhereRole"] * 5,
        clusters_found=found,
    )
    assert [(item["aws"]["region"], item["cluster"]) for item in again["clusters"]] == [("us-east-1", "lab")]
    with pytest.raises(AnsibleFilterError):
        control_plane_targets(["a"], regions=[], clusters=[], endpoint_urls=[], profiles=[], role_names=[])


def test_a_host_holding_the_identity_a_host_of_an_earlier_batch_holds_is_a_clone():
    hosts = [host("b", mi(1), CLUSTER), host("c", mi(2), CLUSTER)]
    # a ran in an earlier batch (serial) and holds mi(1); d held mi(2) but registered anew (mi(3)).
    held = {"a": ["", mi(1)], "d": [mi(3), mi(2)], "e": ["", ""]}
    plan = plan_for(hosts, [managed(1), managed(2)], [container(1), container(2)], held_elsewhere=held)
    assert plan["hosts"]["b"]["clone_of"] == "a" and plan["hosts"]["b"]["needs_ssm_registration"] is True
    assert "an earlier batch of this run holds it" in plan["hosts"]["b"]["clone_note"]
    assert plan["hosts"]["c"]["clone_of"] == "" and plan["hosts"]["c"]["needs_ssm_registration"] is False
    assert plan["leave"] == [] and plan["replaced_identities"] == []
