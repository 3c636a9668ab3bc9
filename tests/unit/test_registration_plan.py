"""The batch's decisions (plugins/filter/registration_plan.py, registration_outcome.py): what each
host needs, grouped for batched calls, and where each host stands after registering."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.filter.registration_outcome import registration_outcome
from ansible_collections.onprem.ecs_anywhere.plugins.filter.registration_plan import registration_plan
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY, naming_marker

CLUSTER = "edge"
BATCH = {"ecs_anywhere_region": "eu-west-1", "ecs_anywhere_cluster": CLUSTER, "ecs_anywhere_state": "present"}


def mi(number):
    return f"mi-{number:017x}"


def arn(number, cluster=CLUSTER):
    return f"arn:aws:ecs:eu-west-1:123456789012:container-instance/{cluster}/{number:032x}"


def host(name, instance_id="", cluster="", **wants):
    entry = {
        "name": name,
        "instance_id": instance_id,
        "cluster": cluster,
        "container_instance_arn": "",
        "start_agents": True,
        "force_reregister": False,
        "drain_timeout": 600,
        "drain_force": False,
        "instance_name": name,
        "instance_tags": {},
        "batch": dict(BATCH),
    }
    entry.update(wants)
    return entry


def managed(number, name="", ping="Online"):
    return {"instance_id": mi(number), "name": name, "ping_status": ping}


def container(number, status="ACTIVE", connected=True, cluster=CLUSTER):
    return {"arn": arn(number, cluster), "ec2_instance_id": mi(number), "status": status, "agent_connected": connected}


def test_a_registered_host_needs_nothing_and_a_new_one_everything():
    hosts = [host("a", mi(1), CLUSTER), host("b")]
    plan = registration_plan(hosts, [managed(1, "a")], [container(1)], CLUSTER)
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is False
    assert plan["hosts"]["b"]["needs_ssm_registration"] is True
    assert plan["hosts"]["b"]["needs_ecs_registration"] is True
    assert plan["activation_of"] == {"b": 0}
    assert plan["ecs_registering"] == {"b": True}
    assert plan["leave"] == []
    assert plan["replaced_identities"] == []


def test_a_host_whose_identity_ssm_forgot_registers_again_and_its_old_container_instance_is_forced_out():
    hosts = [host("a", mi(1), CLUSTER)]
    plan = registration_plan(hosts, [], [container(1)], CLUSTER)
    assert plan["hosts"]["a"]["needs_ssm_registration"] is True
    assert plan["leave"] == [{"cluster": CLUSTER, "drain_timeout": 0, "force": True, "instances": [arn(1)]}]
    # SSM no longer knows the identity: there is nothing to deregister there.
    assert plan["replaced_identities"] == []


def test_a_host_moving_clusters_leaves_its_old_container_instance_drained_as_the_user_says():
    hosts = [host("a", mi(1), "old", drain_timeout=30), host("b", mi(2), "old", drain_timeout=30)]
    plan = registration_plan(hosts, [managed(1), managed(2)], [], CLUSTER)
    assert plan["leave"] == [{"cluster": "old", "drain_timeout": 30, "force": False, "instances": [mi(1), mi(2)]}]
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is True
    assert plan["activation_of"] == {}


def test_forced_reregistration_replaces_the_identity_and_its_container_instance():
    hosts = [host("a", mi(1), CLUSTER, force_reregister=True)]
    plan = registration_plan(hosts, [managed(1)], [container(1)], CLUSTER)
    assert plan["replaced_identities"] == [{"instance_id": mi(1)}]
    assert plan["leave"][0]["instances"] == [arn(1)]
    assert plan["activation_of"] == {"a": 0}


def test_a_host_left_unstarted_registers_nowhere_and_lets_go_of_nothing():
    hosts = [host("a", mi(1), "old", start_agents=False), host("b", start_agents=False)]
    plan = registration_plan(hosts, [], [container(1)], CLUSTER)
    assert plan["activation_of"] == {} and plan["ecs_registering"] == {} and plan["leave"] == []


def test_a_stopped_container_instance_is_registered_again_without_a_new_identity():
    hosts = [host("a", mi(1), CLUSTER)]
    plan = registration_plan(hosts, [managed(1)], [container(1, status="INACTIVE")], CLUSTER)
    assert plan["hosts"]["a"]["needs_ssm_registration"] is False
    assert plan["hosts"]["a"]["needs_ecs_registration"] is True


def test_a_live_container_instance_wins_over_a_deregistered_one_of_the_same_identity():
    hosts = [host("a", mi(1), CLUSTER)]
    found = [container(1, status="INACTIVE"), container(1, status="ACTIVE")]
    plan = registration_plan(hosts, [managed(1)], found, CLUSTER)
    assert plan["hosts"]["a"]["needs_ecs_registration"] is False


def test_activations_hold_at_most_their_size():
    hosts = [host(f"h{number}") for number in range(5)]
    plan = registration_plan(hosts, [], [], CLUSTER, activation_size=2)
    assert plan["activation_of"] == {"h0": 0, "h1": 0, "h2": 1, "h3": 1, "h4": 2}


def test_deregistration_groups_by_the_cluster_each_host_is_in():
    hosts = [host("a", mi(1), "old"), host("b", mi(2), CLUSTER), host("c", mi(3), ""), host("d", mi(4), CLUSTER)]
    plan = registration_plan(hosts, [managed(1), managed(2), managed(3)], [], CLUSTER)
    assert plan["deregister"] == {
        "container_instances": [
            {"cluster": "old", "drain_timeout": 600, "force": False, "instances": [mi(1)]},
            {"cluster": CLUSTER, "drain_timeout": 600, "force": False, "instances": [mi(2), mi(3)]},
        ],
        # d: SSM does not know it, nothing to take out.
        "managed_instances": [{"instance_id": mi(1)}, {"instance_id": mi(2)}, {"instance_id": mi(3)}],
    }


def test_hosts_of_one_batch_that_differ_in_a_run_once_setting_are_refused_naming_setting_and_hosts():
    other = dict(BATCH, ecs_anywhere_cluster="other")
    hosts = [host("a"), host("b", batch=other), host("c")]
    with pytest.raises(AnsibleFilterError) as error:
        registration_plan(hosts, [], [], CLUSTER)
    message = str(error.value)
    assert "ecs_anywhere_cluster: must be the same on every host of a play batch" in message
    assert "'edge' on a, c" in message and "'other' on b" in message


def plan_for(hosts, managed_found=(), containers_found=(), named=()):
    return registration_plan(
        hosts, list(managed_found), list(containers_found), CLUSTER, named_instance_ids=list(named)
    )


def named(instance_id, name, tags=None):
    return {
        "instance_id": instance_id,
        "name": name,
        "tags": dict(tags or {}, **{MARKER_KEY: naming_marker(instance_id, name, tags or {})}),
    }


def test_the_outcome_waits_for_the_hosts_that_registered_and_names_the_new_ones():
    plan = plan_for([host("a", mi(1), CLUSTER), host("b")], [managed(1, "a")], [container(1)], named=[mi(1)])
    before = registration_outcome(plan, {"a": mi(1), "b": mi(2)})
    assert before["waiting"] == [mi(2)]
    after = registration_outcome(
        plan,
        {"a": mi(1), "b": mi(2)},
        managed_instances=[managed(2, "edge")],
        container_instances=[container(2)],
        cluster=CLUSTER,
        verify_timeout=300,
    )
    assert after["failures"] == {}
    assert after["naming"] == [named(mi(2), "b")]
    assert after["report"]["b"] == {"managed_instance_id": mi(2), "container_instance_arn": arn(2), "cluster": CLUSTER}
    assert after["report"]["a"]["container_instance_arn"] == arn(1)


def test_a_registered_host_not_shown_named_is_named_with_its_tags_and_the_marker():
    plan = plan_for(
        [host("a", mi(1), CLUSTER, instance_name="edge-a", instance_tags={"site": "x"})],
        [managed(1, "edge-a")],
        [container(1)],
    )
    outcome = registration_outcome(plan, {"a": mi(1)}, cluster=CLUSTER)
    # What SSM reports as Name proves nothing (AWS documents it as the activation's default name).
    assert outcome["naming"] == [named(mi(1), "edge-a", {"site": "x"})]


def test_a_host_shown_named_as_wanted_is_left_alone():
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1, "ecs-default")], [container(1)], named=[mi(1)])
    assert plan["hosts"]["a"]["named"] is True
    assert registration_outcome(plan, {"a": mi(1)}, cluster=CLUSTER)["naming"] == []


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
            # ... and is let go of like a ghost: deregistered, forced (nothing runs it any more).
            assert plan["leave"] == [{"cluster": CLUSTER, "drain_timeout": 0, "force": True, "instances": [old["arn"]]}]


def test_two_disconnected_container_instances_of_a_host_are_both_left_alone():
    first = dict(container(1), agent_connected=False, registered_at="2026-01-01T00:00:00+00:00")
    second = dict(container(2), ec2_instance_id=mi(1), agent_connected=False, registered_at="2026-02-01T00:00:00+00:00")
    plan = plan_for([host("a", mi(1), CLUSTER)], [managed(1)], [first, second], named=[mi(1)])
    # Nothing tells which one the agent is: none is deregistered on a guess.
    assert plan["hosts"]["a"]["container_instance"]["arn"] == second["arn"]
    assert plan["leave"] == []


def test_a_host_not_up_in_time_fails_with_what_ssm_and_ecs_say():
    plan = plan_for([host("b")])
    outcome = registration_outcome(
        plan,
        {"b": mi(2)},
        managed_instances=[managed(2, ping="ConnectionLost")],
        container_instances=[],
        cluster=CLUSTER,
        verify_timeout=300,
    )
    message = outcome["failures"]["b"]
    assert message.startswith(f"b ({mi(2)}) is not ready after 300 s (ecs_anywhere_verify_timeout)")
    assert "SSM ping status ConnectionLost, ECS status not registered, agent connected False in cluster edge" in message
    assert outcome["naming"] == [] and "b" not in outcome["report"]


def test_a_host_that_failed_on_its_side_keeps_its_message_and_is_not_waited_for_or_named():
    plan = plan_for([host("b")])
    outcome = registration_outcome(plan, {"b": ""}, failures={"b": "Install the SSM agent: 404"}, cluster=CLUSTER)
    assert outcome["waiting"] == []
    assert outcome["failures"] == {"b": "Install the SSM agent: 404"}
    assert outcome["naming"] == []


def test_a_check_run_waits_for_nothing_names_nothing_and_fails_nothing():
    plan = plan_for([host("b")])
    outcome = registration_outcome(plan, {"b": ""}, cluster=CLUSTER, check_mode=True)
    assert outcome["waiting"] == [] and outcome["naming"] == [] and outcome["failures"] == {}
    assert outcome["report"]["b"] == {
        "managed_instance_id": "(would register)",
        "container_instance_arn": "(would register)",
        "cluster": CLUSTER,
    }


def test_hosts_gone_from_the_batch_are_left_out():
    plan = plan_for([host("a"), host("b")])
    outcome = registration_outcome(plan, {"a": ""}, cluster=CLUSTER, check_mode=True)
    assert list(outcome["report"]) == ["a"]
