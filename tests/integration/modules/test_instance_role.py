"""onprem.ecs_anywhere.instance_role against the emulator, run through ansible as a user runs it."""

import json

import pytest
import yaml

from tests.integration.ansible_runner import run_module, run_playbook

MODULE = "onprem.ecs_anywhere.instance_role"
ACCOUNT = "123456789012"
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ECS = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
EXTRA = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def ssm_trust(source_arn="arn:aws:ssm:*:123456789012:*"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ssm.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ],
    }


def operations(calls):
    return [call["operation"] for call in calls]


def test_create_returns_the_role_and_a_second_run_only_reads(emulator):
    created = run_module(MODULE, {"name": "ecsAnywhereRole", "tags": {"team": "edge"}}, emulator.env(), diff=True)

    assert created["changed"] is True, created
    role = created["role"]
    assert role["arn"] == f"arn:aws:iam::{ACCOUNT}:role/ecsAnywhereRole"
    assert role["role_name"] == "ecsAnywhereRole"
    assert role["role_id"].startswith("AROA")
    assert role["path"] == "/"
    assert role["assume_role_policy_document"] == ssm_trust()
    assert role["managed_policies"] == [CORE, ECS]
    assert role["tags"] == {"team": "edge"}
    assert role["max_session_duration"] == 3600
    assert role["permissions_boundary"] is None
    assert role["create_date"]
    assert created["diff"] == {"before": {}, "after": role}
    assert not created.get("warnings")
    create_calls = emulator.calls()
    print(f"\nfirst create: {len(create_calls)} calls: {operations(create_calls)}")
    assert sorted(operations(emulator.writes())) == ["AttachRolePolicy", "AttachRolePolicy", "CreateRole"]

    iam = emulator.client("iam")
    assert iam.get_role(RoleName="ecsAnywhereRole")["Role"]["AssumeRolePolicyDocument"] == ssm_trust()

    emulator.clear_calls()
    again = run_module(MODULE, {"name": "ecsAnywhereRole", "tags": {"team": "edge"}}, emulator.env(), diff=True)

    assert again["changed"] is False, again
    assert again["role"] == role
    assert again["diff"]["before"] == again["diff"]["after"]
    noop_calls = emulator.calls()
    print(f"no-op run: {len(noop_calls)} calls: {operations(noop_calls)}")
    assert emulator.writes() == []
    assert len(noop_calls) <= 5
    assert operations(noop_calls) == ["GetRole", "ListAttachedRolePolicies"]


def test_check_mode_create_predicts_the_role_and_writes_nothing(emulator):
    result = run_module(MODULE, {"name": "predicted", "path": "/edge/"}, emulator.env(), check=True, diff=True)

    assert result["changed"] is True, result
    assert result["role"]["arn"] == f"arn:aws:iam::{ACCOUNT}:role/edge/predicted"
    assert result["role"]["assume_role_policy_document"] == ssm_trust()
    assert result["role"]["managed_policies"] == [CORE, ECS]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == result["role"]
    assert emulator.writes() == []
    with pytest.raises(emulator.client("iam").exceptions.NoSuchEntityException):
        emulator.client("iam").get_role(RoleName="predicted")

    real = run_module(MODULE, {"name": "predicted", "path": "/edge/"}, emulator.env())

    # Only what IAM assigns at creation could not be predicted.
    unknowable = {"role_id", "create_date"}
    assert {k: v for k, v in real["role"].items() if k not in unknowable} == {
        k: v for k, v in result["role"].items() if k not in unknowable
    }


def test_drift_is_reported_in_check_mode_then_repaired(emulator):
    args = {"name": "drifting", "description": "ECS Anywhere hosts"}
    run_module(MODULE, args, emulator.env())
    iam = emulator.client("iam")
    # Someone widens the trust and attaches a policy by hand.
    iam.update_assume_role_policy(
        RoleName="drifting",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    iam.attach_role_policy(RoleName="drifting", PolicyArn=EXTRA)
    iam.detach_role_policy(RoleName="drifting", PolicyArn=ECS)
    emulator.clear_calls()

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)

    assert predicted["changed"] is True
    assert emulator.writes() == []
    assert predicted["diff"]["before"]["managed_policies"] == [CORE, EXTRA]
    assert "Condition" not in predicted["diff"]["before"]["assume_role_policy_document"]["Statement"][0]
    assert predicted["role"]["managed_policies"] == [CORE, ECS]
    assert predicted["role"]["assume_role_policy_document"] == ssm_trust()

    repaired = run_module(MODULE, args, emulator.env(), diff=True)

    assert repaired["changed"] is True
    assert sorted(operations(emulator.writes())) == ["AttachRolePolicy", "DetachRolePolicy", "UpdateAssumeRolePolicy"]
    # Check mode reported exactly what the real run did.
    assert repaired["role"] == predicted["role"]
    assert repaired["diff"] == predicted["diff"]
    attached = iam.list_attached_role_policies(RoleName="drifting")["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == [CORE, ECS]


def test_purge_policies_false_keeps_policies_attached_by_others(emulator):
    run_module(MODULE, {"name": "shared"}, emulator.env())
    emulator.client("iam").attach_role_policy(RoleName="shared", PolicyArn=EXTRA)
    emulator.clear_calls()

    result = run_module(MODULE, {"name": "shared", "purge_policies": False}, emulator.env())

    assert result["changed"] is False
    assert result["role"]["managed_policies"] == sorted([CORE, ECS, EXTRA])
    assert emulator.writes() == []


def test_updates_description_duration_boundary_and_tags_then_removes_boundary(emulator):
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    run_module(MODULE, {"name": "tuned", "tags": {"team": "edge", "old": "x"}}, emulator.env())
    emulator.clear_calls()

    updated = run_module(
        MODULE,
        {
            "name": "tuned",
            "description": "ECS Anywhere hosts",
            "max_session_duration": 7200,
            "permissions_boundary": boundary,
            "tags": {"team": "core"},
        },
        emulator.env(),
        diff=True,
    )

    assert updated["changed"] is True
    role = updated["role"]
    assert (role["description"], role["max_session_duration"], role["permissions_boundary"]) == (
        "ECS Anywhere hosts",
        7200,
        boundary,
    )
    assert role["tags"] == {"team": "core"}
    assert updated["diff"]["before"]["tags"] == {"team": "edge", "old": "x"}
    assert sorted(operations(emulator.writes())) == ["PutRolePermissionsBoundary", "TagRole", "UntagRole", "UpdateRole"]

    emulator.clear_calls()
    without_boundary = run_module(MODULE, {"name": "tuned", "permissions_boundary": ""}, emulator.env())

    assert without_boundary["changed"] is True
    assert without_boundary["role"]["permissions_boundary"] is None
    # Options left out keep what the role has.
    assert without_boundary["role"]["tags"] == {"team": "core"}
    assert without_boundary["role"]["description"] == "ECS Anywhere hosts"
    assert operations(emulator.writes()) == ["DeleteRolePermissionsBoundary"]


def test_custom_trust_compares_by_meaning_not_text(emulator):
    trust = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": ["sts:AssumeRole"]},
    }
    run_module(MODULE, {"name": "custom", "trust_policy": trust}, emulator.env())
    emulator.clear_calls()
    same_meaning = json.dumps(
        {
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ssm.amazonaws.com"]}}
            ],
            "Version": "2012-10-17",
        }
    )

    result = run_module(MODULE, {"name": "custom", "trust_policy": same_meaning}, emulator.env())

    assert result["changed"] is False
    assert emulator.writes() == []
    assert emulator.calls(service="sts") == []


def test_source_regions_restrict_the_source_arn(emulator):
    result = run_module(
        MODULE, {"name": "regional", "source_regions": ["us-east-1", "eu-west-1"]}, emulator.env(region="eu-west-1")
    )

    condition = result["role"]["assume_role_policy_document"]["Statement"][0]["Condition"]
    assert condition["ArnLike"]["aws:SourceArn"] == [
        "arn:aws:ssm:eu-west-1:123456789012:*",
        "arn:aws:ssm:us-east-1:123456789012:*",
    ]


def test_china_region_uses_the_aws_cn_partition(emulator):
    result = run_module(MODULE, {"name": "cnRole"}, emulator.env(region="cn-north-1"))

    assert result["changed"] is True, result
    role = result["role"]
    assert role["arn"] == f"arn:aws-cn:iam::{ACCOUNT}:role/cnRole"
    assert role["managed_policies"] == [
        "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    ]
    assert role["assume_role_policy_document"] == json.loads(
        json.dumps(ssm_trust()).replace("arn:aws:ssm:", "arn:aws-cn:ssm:")
    )
    assert not result.get("warnings")


def test_warns_when_a_required_policy_is_missing(emulator):
    result = run_module(
        MODULE, {"name": "partial", "managed_policies": ["AmazonSSMManagedInstanceCore"]}, emulator.env()
    )

    assert result["changed"] is True
    warnings = " ".join(result.get("warnings", []))
    assert "AmazonEC2ContainerServiceforEC2Role" in warnings
    assert "could not join ECS" in warnings
    assert "AmazonSSMManagedInstanceCore" not in warnings
    assert not result.get("deprecations")


def test_a_different_path_on_an_existing_role_is_warned_about_not_changed(emulator):
    run_module(MODULE, {"name": "moved"}, emulator.env())
    emulator.clear_calls()

    result = run_module(MODULE, {"name": "moved", "path": "/edge/"}, emulator.env())

    assert result["changed"] is False
    assert result["role"]["path"] == "/"
    assert any("cannot change a role's path" in w for w in result.get("warnings", [])), result.get("warnings")
    assert emulator.writes() == []


def test_absent_removes_attachments_inline_policies_profiles_and_the_role(emulator):
    run_module(MODULE, {"name": "leaving"}, emulator.env())
    iam = emulator.client("iam")
    iam.put_role_policy(
        RoleName="leaving",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    iam.create_instance_profile(InstanceProfileName="leaving-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="leaving-profile", RoleName="leaving")
    emulator.clear_calls()

    predicted = run_module(MODULE, {"name": "leaving", "state": "absent"}, emulator.env(), check=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []

    removed = run_module(MODULE, {"name": "leaving", "state": "absent"}, emulator.env(), diff=True)

    assert removed["changed"] is True
    assert removed["role"] == {}
    assert removed["diff"]["after"] == {}
    assert removed["diff"]["before"]["role_name"] == "leaving"
    assert sorted(operations(emulator.writes())) == [
        "DeleteRole",
        "DeleteRolePolicy",
        "DetachRolePolicy",
        "DetachRolePolicy",
        "RemoveRoleFromInstanceProfile",
    ]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="leaving")
    assert iam.get_instance_profile(InstanceProfileName="leaving-profile")["InstanceProfile"]["Roles"] == []

    emulator.clear_calls()
    again = run_module(MODULE, {"name": "leaving", "state": "absent"}, emulator.env())

    assert again["changed"] is False
    assert again["role"] == {}
    assert emulator.writes() == []


BAD_INPUTS = [
    ({"name": "has space"}, "name", "[A-Za-z0-9_+=,.@-]"),
    ({"name": "x" * 65}, "name", "1 to 64 characters"),
    ({"name": "r", "path": "edge/"}, "path", "start and end with /"),
    ({"name": "r", "path": "/edge"}, "path", "start and end with /"),
    ({"name": "r", "path": "/" + "p" * 511 + "/"}, "path", "at most 512"),
    ({"name": "r", "max_session_duration": 3599}, "max_session_duration", "between 3600 and 43200"),
    ({"name": "r", "max_session_duration": 43201}, "max_session_duration", "between 3600 and 43200"),
    ({"name": "r", "trust_policy": "{not json"}, "trust_policy", "not valid JSON"),
    ({"name": "r", "trust_policy": {"Version": "2012-10-17"}}, "trust_policy", "has no Statement"),
    ({"name": "r", "managed_policies": ["arn:aws:iam::12:policy/x"]}, "managed_policies", "not 12 digits"),
    ({"name": "r", "managed_policies": ["Not A Name"]}, "managed_policies", "neither an ARN nor"),
    (
        {"name": "r", "permissions_boundary": "arn:aws:iam::123456789012:role/x"},
        "permissions_boundary",
        "not an IAM policy ARN",
    ),
    ({"name": "r", "tags": {"aws:team": "edge"}}, "tags", "begins with aws:"),
    ({"name": "r", "source_regions": ["us-eest-1"]}, "source_regions", "not a region botocore knows"),
    ({"name": "r", "source_regions": ["cn-north-1"]}, "source_regions", "not in partition aws"),
]


def test_each_bad_input_fails_naming_option_and_rule_without_any_aws_call(emulator, tmp_path):
    # One playbook for every case: one ansible start-up instead of fifteen.
    tasks = [{"name": f"case {i}", MODULE: args, "ignore_errors": True} for i, (args, _, _) in enumerate(BAD_INPUTS)]
    playbook = tmp_path / "bad_inputs.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))

    run = run_playbook(playbook, emulator.env())

    for i, (args, option, rule) in enumerate(BAD_INPUTS):
        result = run.result(f"case {i}")
        assert result.get("failed") is True, (args, result)
        assert result["msg"].startswith(f"{option}: "), (args, result["msg"])
        assert rule in result["msg"], (args, result["msg"])
    assert emulator.calls() == []


def test_access_denied_names_the_denied_action(emulator):
    emulator.set_faults(
        {"fail": [{"target": "iam:AttachRolePolicy", "count": 1, "code": "AccessDenied", "status": 403}]}
    )

    result = run_module(MODULE, {"name": "denied"}, emulator.env())

    assert result.get("failed") is True
    assert "iam:AttachRolePolicy" in result["msg"]
    assert "AccessDenied" in result["msg"]


def test_throttling_is_retried_until_the_run_succeeds(emulator):
    emulator.set_faults({"seed": 7, "throttle": [{"target": "iam", "rate": 0.4}]})

    result = run_module(MODULE, {"name": "throttled"}, emulator.env())

    assert result.get("failed") is not True, result
    assert result["role"]["managed_policies"] == [CORE, ECS]
    throttled = [call for call in emulator.calls(service="iam") if call["error_code"] == "Throttling"]
    assert throttled, "the fault spec throttled nothing; the test proves nothing"


def test_wait_absorbs_iam_read_after_create_lag(emulator):
    # The first GetRole finds no role (as it should); the next one, right after
    # CreateRole, answers NoSuchEntity as IAM does while a new role propagates.
    emulator.set_faults({"fail": [{"target": "iam:GetRole", "count": 2, "code": "NoSuchEntity", "status": 404}]})

    result = run_module(MODULE, {"name": "lagging", "wait_timeout": 30}, emulator.env())

    assert result.get("failed") is not True, result
    assert result["role"]["managed_policies"] == [CORE, ECS]
    log = operations(emulator.calls(service="iam"))
    assert log[:4] == ["GetRole", "CreateRole", "GetRole", "GetRole"]
    assert log.index("AttachRolePolicy") > 3


def test_unknown_managed_policy_name_fails_naming_the_call_and_policy(emulator):
    result = run_module(MODULE, {"name": "typo", "managed_policies": ["AmazonSSMManagedInstanceCor"]}, emulator.env())

    assert result.get("failed") is True
    assert "iam:AttachRolePolicy" in result["msg"]
    assert "AmazonSSMManagedInstanceCor" in result["msg"]
    assert "ListPolicies" not in operations(emulator.calls())


def test_without_any_region_the_aws_partition_is_used(emulator, monkeypatch):
    env = emulator.env()
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(variable)
        monkeypatch.delenv(variable, raising=False)

    result = run_module(MODULE, {"name": "global"}, env)

    assert result.get("failed") is not True, result
    assert result["role"]["arn"] == f"arn:aws:iam::{ACCOUNT}:role/global"
    assert result["role"]["managed_policies"] == [CORE, ECS]
