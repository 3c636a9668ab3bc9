"""instance_role through ansible-playbook: the second run of the same playbook changes nothing."""

from pathlib import Path

from tests.integration.ansible_runner import run_playbook

PLAYBOOK = Path(__file__).with_name("instance_role.yml")


def test_second_playbook_run_is_unchanged_and_writes_nothing(emulator):
    env = emulator.env(region="eu-west-1")
    extra_vars = {"instance_role_region": "eu-west-1"}

    first = run_playbook(PLAYBOOK, env, extra_vars=extra_vars)

    assert first.returncode == 0, first.stderr
    assert first.stats["localhost"]["changed"] == 1
    role = first.result("Ensure the role, restricted to two regions' activations")["role"]
    assert role["arn"] == "arn:aws:iam::123456789012:role/edge/ecsAnywhereRole"
    assert role["max_session_duration"] == 7200
    assert role["tags"] == {"team": "edge", "tier": "2"}
    assert role["assume_role_policy_document"]["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"] == [
        "arn:aws:ssm:eu-central-1:123456789012:*",
        "arn:aws:ssm:eu-west-1:123456789012:*",
    ]
    assert emulator.writes(service="iam")

    emulator.clear_calls()
    second = run_playbook(PLAYBOOK, env, extra_vars=extra_vars)

    assert second.returncode == 0, second.stderr
    assert second.stats["localhost"]["changed"] == 0
    assert second.stats["localhost"]["failures"] == 0
    assert second.result("Ensure the role, restricted to two regions' activations")["role"] == role
    assert emulator.writes() == []
