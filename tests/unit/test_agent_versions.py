"""Which agent version a host ends on (module_utils/agent_versions.py, the agent_targets filter)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.filter.agent_targets import agent_targets
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.agent_versions import (
    agent_version,
    installed_versions,
    version_problems,
    wanted_agents,
)

OLD = {"amazon-ssm-agent": "3.3.1142.0", "amazon-ecs-init": "1.89.2-1"}
NEW = {"amazon-ssm-agent": "3.3.1611.0", "amazon-ecs-init": "1.90.0-1"}


def _targets(inputs, installed, latest=None):
    return agent_targets(wanted_agents(inputs, installed), latest)


def test_installed_versions_read_dpkg_and_rpm_answers_and_nothing_else():
    lines = [
        "amazon-ssm-agent installed 3.3.1142.0-1",
        "amazon-ecs-init config-files 1.89.2-1",  # removed, not purged: not installed
        "package amazon-ecs-init is not installed",  # rpm's answer for a missing package
        "docker.io installed 20.10",
    ]
    assert installed_versions(lines) == {"amazon-ssm-agent": "3.3.1142.0-1"}
    assert installed_versions(["amazon-ecs-init installed 1.89.2-1"]) == {"amazon-ecs-init": "1.89.2-1"}


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"ecs_anywhere_ssm_agent_version": "3.3.1142"}, ["ecs_anywhere_ssm_agent_version '3.3.1142'"]),
        ({"ecs_anywhere_ssm_agent_version": "v3.3.1142.0"}, ["ecs_anywhere_ssm_agent_version"]),
        ({"ecs_anywhere_ecs_init_version": "1.89.2"}, ["ecs_anywhere_ecs_init_version '1.89.2'", "1.89.2-1"]),
        ({"ecs_anywhere_ecs_init_version": "newest"}, ["ecs_anywhere_ecs_init_version 'newest'", "latest or"]),
    ],
)
def test_a_malformed_pinned_version_is_named_with_its_form(inputs, words):
    problems = version_problems(inputs)
    assert len(problems) == 1
    assert all(word in problems[0] for word in words), problems


def test_latest_and_well_formed_pins_pass():
    assert version_problems({}) == []
    assert (
        version_problems({"ecs_anywhere_ssm_agent_version": "latest", "ecs_anywhere_ecs_init_version": "latest"}) == []
    )
    assert (
        version_problems(
            {
                "ecs_anywhere_ssm_agent_version": OLD["amazon-ssm-agent"],
                "ecs_anywhere_ecs_init_version": OLD["amazon-ecs-init"],
            }
        )
        == []
    )


def test_a_new_host_installs_what_is_wanted():
    targets = _targets({}, {})
    assert targets["amazon-ecs-init"] == {
        "installed": "",
        "target": "latest",
        "install": True,
        "change": False,
        "managed": True,
        "agent_version": "",
        "installed_agent_version": "",
    }
    pinned = _targets({"ecs_anywhere_ecs_init_version": "1.89.2-1"}, {})["amazon-ecs-init"]
    assert (pinned["target"], pinned["install"], pinned["agent_version"]) == ("1.89.2-1", True, "1.89.2")


def test_latest_keeps_what_a_host_has_on_a_normal_run():
    targets = _targets({}, OLD)
    assert all(not t["install"] and not t["change"] and t["target"] == OLD[p] for p, t in targets.items())


def test_a_pin_is_enforced_up_and_down():
    up = _targets({"ecs_anywhere_ecs_init_version": "1.90.0-1"}, OLD)["amazon-ecs-init"]
    assert (up["change"], up["install"], up["target"], up["agent_version"], up["installed_agent_version"]) == (
        True,
        True,
        "1.90.0-1",
        "1.90.0",
        "1.89.2",
    )
    down = _targets({"ecs_anywhere_ssm_agent_version": "3.3.1142.0"}, NEW)["amazon-ssm-agent"]
    assert (down["change"], down["target"]) == (True, "3.3.1142.0")
    same = _targets({"ecs_anywhere_ecs_init_version": "1.89.2-1"}, OLD)["amazon-ecs-init"]
    assert not same["change"] and not same["install"]


def test_the_ssm_agent_debs_release_suffix_is_the_same_version():
    # AWS's deb says 3.3.1142.0-1 for the agent it calls 3.3.1142.0.
    targets = _targets({"ecs_anywhere_ssm_agent_version": "3.3.1142.0"}, {"amazon-ssm-agent": "3.3.1142.0-1"})
    assert not targets["amazon-ssm-agent"]["change"]
    assert agent_version("amazon-ssm-agent", "3.3.1142.0-1") == "3.3.1142.0"
    assert agent_version("amazon-ecs-init", "1.90.0-1") == "1.90.0"


def test_upgrade_agents_moves_latest_to_the_looked_up_version_only():
    agents = wanted_agents({"ecs_anywhere_upgrade_agents": True}, OLD)
    assert all(agent["resolve_latest"] for agent in agents.values())
    moved = agent_targets(agents, NEW)
    assert {p: (t["change"], t["target"]) for p, t in moved.items()} == {p: (True, v) for p, v in NEW.items()}
    # Already on the latest: nothing to do.
    current = agent_targets(wanted_agents({"ecs_anywhere_upgrade_agents": True}, NEW), NEW)
    assert not any(t["install"] for t in current.values())
    # Not looked up (the lookup was skipped): keep what is there.
    kept = agent_targets(agents, {})
    assert not any(t["change"] for t in kept.values())


def test_a_pin_wins_over_upgrade_agents_and_a_new_host_is_not_looked_up():
    agents = wanted_agents({"ecs_anywhere_upgrade_agents": True, "ecs_anywhere_ecs_init_version": "1.89.2-1"}, OLD)
    assert not agents["amazon-ecs-init"]["resolve_latest"]
    assert not agent_targets(agents, NEW)["amazon-ecs-init"]["change"]
    assert not wanted_agents({"ecs_anywhere_upgrade_agents": True}, {})["amazon-ecs-init"]["resolve_latest"]


def test_a_package_from_an_explicit_url_or_file_keeps_its_version():
    inputs = {
        "ecs_anywhere_ecs_init_package_url": "https://pkgs.example/amazon-ecs-init.deb",
        "ecs_anywhere_ssm_agent_package_file": "files/amazon-ssm-agent.deb",
        "ecs_anywhere_ecs_init_version": "1.90.0-1",
        "ecs_anywhere_upgrade_agents": True,
    }
    targets = _targets(inputs, OLD, NEW)
    assert not any(t["change"] or t["install"] or t["managed"] for t in targets.values())


def test_a_looked_up_latest_that_is_not_a_version_fails_naming_the_variable_to_pin():
    agents = wanted_agents({"ecs_anywhere_upgrade_agents": True}, OLD)
    with pytest.raises(AnsibleFilterError, match=r"'<html>'.*pin ecs_anywhere_ssm_agent_version"):
        agent_targets(agents, {"amazon-ssm-agent": "<html>", "amazon-ecs-init": "1.90.0-1"})


def test_the_filter_refuses_what_is_not_a_snapshots_agents():
    with pytest.raises(AnsibleFilterError, match="agent_targets"):
        agent_targets(["amazon-ecs-init"])
