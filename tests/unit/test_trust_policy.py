"""SSM trust building and policy comparison by meaning (plugins/module_utils/trust_policy.py)."""

import json

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.trust_policy import (
    load_policy,
    normalize_policy,
    policies_equal,
    ssm_trust_policy,
    trusts_service,
)

ACCOUNT = "123456789012"


def test_default_trust_has_ssm_principal_and_confused_deputy_conditions():
    policy = ssm_trust_policy(ACCOUNT, "aws")
    assert policy["Version"] == "2012-10-17"
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "ssm.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": "arn:aws:ssm:*:123456789012:*"},
    }


def test_trust_lists_one_source_arn_per_region_in_the_partition():
    policy = ssm_trust_policy(ACCOUNT, "aws-cn", source_regions=["cn-northwest-1", "cn-north-1", "cn-north-1"])
    assert policy["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"] == [
        "arn:aws-cn:ssm:cn-north-1:123456789012:*",
        "arn:aws-cn:ssm:cn-northwest-1:123456789012:*",
    ]


def test_trust_without_source_conditions_has_no_condition():
    policy = ssm_trust_policy(None, "aws", source_conditions=False)
    assert "Condition" not in policy["Statement"][0]
    assert trusts_service(policy)


@pytest.mark.parametrize(
    ("document", "rule"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"Version": "2012-10-17"}, "has no Statement"),
        ({"Statement": []}, "non-empty list"),
        ({"Statement": "Allow"}, "non-empty list"),
    ],
)
def test_load_policy_says_what_is_wrong(document, rule):
    with pytest.raises(ValueError, match=rule):
        load_policy(document)


def test_load_policy_accepts_text_and_dict():
    text = json.dumps(ssm_trust_policy(ACCOUNT, "aws"))
    assert load_policy(text) == load_policy(json.loads(text))


def test_equal_meaning_written_differently_compares_equal():
    canonical = ssm_trust_policy(ACCOUNT, "aws", source_regions=["us-east-1", "eu-west-1"])
    rewritten = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "",
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["ssm.amazonaws.com"]},
            "Effect": "Allow",
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": ["arn:aws:ssm:us-east-1:123456789012:*", "arn:aws:ssm:eu-west-1:123456789012:*"]
                },
                "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
            },
        },
    }
    assert policies_equal(canonical, rewritten)
    assert policies_equal(json.dumps(canonical), rewritten)


def test_statement_order_and_duplicates_do_not_matter():
    first = {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}
    second = {"Effect": "Deny", "Principal": "*", "Action": ["sts:TagSession", "sts:AssumeRole"]}
    assert policies_equal(
        {"Version": "2012-10-17", "Statement": [first, second]},
        {"Version": "2012-10-17", "Statement": [second, first, first]},
    )


def test_missing_version_means_2008_not_2012():
    statement = {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert policies_equal({"Statement": statement}, {"Version": "2008-10-17", "Statement": [statement]})
    assert not policies_equal({"Statement": statement}, {"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(Effect="Deny"),
        lambda s: s.update(Principal={"Service": "ec2.amazonaws.com"}),
        lambda s: s["Condition"]["StringEquals"].update({"aws:SourceAccount": "210987654321"}),
        lambda s: s["Condition"]["ArnLike"].update({"aws:SourceArn": "arn:aws:ssm:us-east-1:123456789012:*"}),
        lambda s: s.pop("Condition"),
        lambda s: s.update(Action=["sts:AssumeRole", "sts:TagSession"]),
    ],
)
def test_a_change_of_meaning_compares_different(change):
    original = ssm_trust_policy(ACCOUNT, "aws")
    changed = json.loads(json.dumps(original))
    change(changed["Statement"][0])
    assert not policies_equal(original, changed)


def test_normalized_form_is_stable_and_idempotent():
    policy = ssm_trust_policy(ACCOUNT, "aws", source_regions=["eu-west-1", "us-east-1"])
    once = normalize_policy(policy)
    assert normalize_policy(once) == once
    assert once["Statement"][0]["Action"] == ["sts:AssumeRole"]


def test_trusts_service_sees_only_allow_statements_naming_the_principal():
    deny = {
        "Statement": [{"Effect": "Deny", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    ec2 = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    assert not trusts_service(deny)
    assert not trusts_service(ec2)
    assert trusts_service(ssm_trust_policy(ACCOUNT, "aws"))
