"""ssm_activation against the emulator: create, describe, delete, check mode, bad input, IAM delay, throttling."""

import datetime
import json

from tests.integration.ansible_runner import run_module, run_playbook
from tests.integration.modules.fleet import (
    ROLE,
    TRUST,
    agent_call,
    assert_throttled,
    create_activation,
    ensure_role,
    throttling,
)

MODULE = "onprem.ecs_anywhere.ssm_activation"


def activations(emulator):
    return emulator.client("ssm").describe_activations()["ActivationList"]


def test_create_returns_a_working_code_once(emulator):
    ensure_role(emulator)
    emulator.clear_calls()
    args = {
        "iam_role": ROLE,
        "registration_limit": 3,
        "expires_in": "2h",
        "default_instance_name": "edge",
        "description": "site lyon",
        "tags": {"cluster": "edge"},
    }
    result = run_module(MODULE, args, emulator.env(), diff=True)

    assert result["changed"] is True
    activation = result["activation"]
    assert activation["iam_role"] == ROLE
    assert activation["registration_limit"] == 3
    assert activation["registrations_count"] == 0
    assert activation["default_instance_name"] == "edge"
    assert activation["tags"] == {"cluster": "edge"}
    assert activation["expired"] is False
    expires = datetime.datetime.fromisoformat(activation["expiration_date"])
    ahead = expires - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=110) < ahead <= datetime.timedelta(hours=2)
    assert "activation_code" not in result["diff"]["after"]
    assert [c["operation"] for c in emulator.writes()] == ["CreateActivation"]

    registered = agent_call(
        emulator,
        "RegisterManagedInstance",
        {"ActivationId": activation["activation_id"], "ActivationCode": activation["activation_code"]},
    )
    assert registered["InstanceId"].startswith("mi-")

    described = run_module(MODULE, {"activation_id": activation["activation_id"]}, emulator.env())
    assert described["changed"] is False
    assert "activation_code" not in described["activation"]
    assert described["activation"]["registrations_count"] == 1


def test_check_mode_predicts_and_writes_nothing(emulator):
    ensure_role(emulator)
    emulator.clear_calls()
    result = run_module(MODULE, {"iam_role": ROLE, "registration_limit": 5}, emulator.env(), check=True, diff=True)
    assert result["changed"] is True
    assert result["activation"]["activation_id"] is None
    assert "activation_code" not in result["activation"]
    assert result["diff"]["after"]["registration_limit"] == 5
    assert emulator.writes() == []
    assert activations(emulator) == []


def test_delete_then_nothing_to_delete(emulator):
    activation_id, _ = create_activation(emulator)
    emulator.clear_calls()

    predicted = run_module(MODULE, {"activation_id": activation_id, "state": "absent"}, emulator.env(), check=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []

    deleted = run_module(MODULE, {"activation_id": activation_id, "state": "absent"}, emulator.env(), diff=True)
    assert deleted["changed"] is True
    assert deleted["diff"]["before"]["activation_id"] == activation_id
    assert activations(emulator) == []

    emulator.clear_calls()
    again = run_module(MODULE, {"activation_id": activation_id, "state": "absent"}, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []


def test_an_empty_first_page_hides_no_activation(emulator):
    # SSM may answer DescribeActivations with an empty page and a NextToken: the module reads on.
    activation_id, _ = create_activation(emulator)
    emulator.set_config(short_pages=1.0)
    emulator.clear_calls()

    deleted = run_module(MODULE, {"activation_id": activation_id, "state": "absent"}, emulator.env())

    assert deleted["changed"] is True, deleted
    assert [call["operation"] for call in emulator.calls()] == [
        "DescribeActivations",
        "DescribeActivations",
        "DeleteActivation",
    ]
    emulator.set_config(short_pages=0.0)
    assert activations(emulator) == []


def test_a_role_arn_is_turned_into_its_name_with_a_warning(emulator):
    ensure_role(emulator)
    arn = f"arn:aws:iam::{emulator.account_id}:role/{ROLE}"
    result = run_module(MODULE, {"iam_role": arn}, emulator.env())
    assert result["changed"] is True
    assert result["activation"]["iam_role"] == ROLE
    assert any("not an ARN" in warning for warning in result.get("warnings", []))


BAD_INPUTS = {
    "registration_limit 0": ({"registration_limit": 0}, "registration_limit:"),
    "registration_limit 1001": ({"registration_limit": 1001}, "registration_limit:"),
    "expires_in 40d": ({"expires_in": "40d"}, "expires_in: '40d'"),
    "expires_in soon": ({"expires_in": "soon"}, "expires_in: 'soon' is not a duration"),
    "expiration_date too far": ({"expiration_date": "2099-01-01T00:00:00Z"}, "expiration_date:"),
    "expiration_date malformed": ({"expiration_date": "tomorrow"}, "expiration_date:"),
    "both expiries": ({"expires_in": "1h", "expiration_date": "2099-01-01"}, "mutually exclusive"),
    "activation_id malformed": ({"activation_id": "abc", "state": "absent"}, "activation_id: 'abc'"),
    "role missing": ({"iam_role": None}, "iam_role: required"),
    "role not a role ARN": ({"iam_role": "arn:aws:iam::123456789012:user/bob"}, "iam_role:"),
    # SSM's own rules for tags and names, refused before the activation is created.
    "tag value with a comma": ({"tags": {"site": "a,b"}}, "tags: the value of tag 'site' ('a,b')"),
    "tag key with a hash": ({"tags": {"#1": "x"}}, "tags: tag key '#1' holds '#', which SSM refuses"),
    "51 tags": ({"tags": {f"k{n}": "v" for n in range(51)}}, "tags: 51 tags; SSM takes at most 50"),
    "reserved aws: tag": ({"tags": {"aws:team": "x"}}, "tags: tag key 'aws:team' starts with 'aws:'"),
    "tab in default_instance_name": (
        {"default_instance_name": "edge\t01"},
        "default_instance_name 'edge\t01' holds '\\t', which SSM refuses",
    ),
    "default_instance_name too long": (
        {"default_instance_name": "e" * 257},
        "257 characters long; SSM takes at most 256",
    ),
}


def test_bad_input_fails_before_any_call_naming_the_option(emulator, tmp_path):
    tasks = [
        {
            "name": label,
            MODULE: {key: value for key, value in {"iam_role": ROLE, **args}.items() if value is not None},
            "ignore_errors": True,
        }
        for label, (args, _) in BAD_INPUTS.items()
    ]
    # One playbook for every case: one ansible start instead of ten. JSON is YAML.
    playbook = tmp_path / "bad_input.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    run = run_playbook(playbook, emulator.env())
    for label, (_, message) in BAD_INPUTS.items():
        result = run.result(label)
        assert result.get("failed"), label
        assert message in result["msg"], (label, result["msg"])
    assert emulator.calls() == []


def test_a_new_role_not_yet_visible_to_ssm_is_waited_for(emulator, tmp_path):
    emulator.set_faults({"iam_visibility_delay": 6.0})
    # The role is created in the same play, right before, as the control_plane role does.
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "role",
                "amazon.aws.iam_role": {
                    "name": "freshRole",
                    "assume_role_policy_document": TRUST,
                    "create_instance_profile": False,
                },
            },
            {"name": "activation", MODULE: {"iam_role": "freshRole"}, "no_log": True},
        ],
    }
    playbook = tmp_path / "fresh_role.yml"
    playbook.write_text(json.dumps([play]))
    run = run_playbook(playbook, emulator.env())
    assert run.returncode == 0, run.stderr
    attempts = [call["error_code"] for call in emulator.calls(operation="CreateActivation")]
    assert attempts[0] is not None and attempts[-1] is None, attempts
    assert len(activations(emulator)) == 1


def test_correct_under_throttling_of_every_operation(emulator):
    ensure_role(emulator)
    emulator.set_faults(throttling("ssm:CreateActivation", "ssm:DescribeActivations", "ssm:DeleteActivation"))
    created = run_module(MODULE, {"iam_role": ROLE}, emulator.env())
    assert not created.get("failed"), created.get("msg")
    deleted = run_module(
        MODULE, {"activation_id": created["activation"]["activation_id"], "state": "absent"}, emulator.env()
    )
    assert deleted["changed"] is True
    assert_throttled(emulator, "ssm:CreateActivation", "ssm:DescribeActivations", "ssm:DeleteActivation")
    emulator.clear_faults()
    assert activations(emulator) == []
