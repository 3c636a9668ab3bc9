"""ARN parsing, building and partition handling (plugins/module_utils/arn.py)."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import arn


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        # Not listed by botocore yet, but of the aws partition's pattern.
        ("eu-central-9", "aws"),
        ("cn-south-7", "aws-cn"),
    ],
)
def test_partition_for_region(region, partition):
    assert arn.partition_for_region(region) == partition


@pytest.mark.parametrize("region", ["mars-1", "", "US-EAST-1", "useast1"])
def test_partition_for_unknown_region_fails(region):
    with pytest.raises(ValueError, match="no AWS partition"):
        arn.partition_for_region(region)


def test_validate_region_accepts_listed_regions_only():
    assert arn.validate_region("ap-southeast-2") == "ap-southeast-2"
    assert arn.validate_region("cn-north-1") == "cn-north-1"
    for bad in ("us-eest-1", "eu-central-9", "aws-global", "*"):
        with pytest.raises(ValueError, match="not a region botocore knows"):
            arn.validate_region(bad)


def test_known_regions_are_grouped_by_partition_without_pseudo_regions():
    regions = arn.known_regions()
    assert "us-east-1" in regions["aws"]
    assert "cn-north-1" in regions["aws-cn"]
    assert "us-gov-east-1" in regions["aws-us-gov"]
    assert not [r for rs in regions.values() for r in rs if r.endswith("-global")]


def test_parse_arn_splits_every_part_and_keeps_colons_in_resource():
    parsed = arn.parse_arn("arn:aws-cn:ssm:cn-north-1:123456789012:document/a:b")
    assert parsed == ("aws-cn", "ssm", "cn-north-1", "123456789012", "document/a:b")
    assert parsed.partition == "aws-cn"
    assert parsed.resource == "document/a:b"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("arn:aws:iam::123456789012", "expected arn:PARTITION"),
        ("urn:aws:iam::123456789012:role/x", "expected arn:PARTITION"),
        ("arn:amazon:iam::123456789012:role/x", "partition"),
        ("arn:aws::us-east-1:123456789012:x", "service"),
        ("arn:aws:iam:US East:123456789012:role/x", "region"),
        ("arn:aws:iam::12345:role/x", "not 12 digits"),
        ("arn:aws:iam::123456789012:", "resource part is empty"),
    ],
)
def test_parse_arn_names_the_broken_rule(text, rule):
    with pytest.raises(ValueError, match=rule):
        arn.parse_arn(text)
    assert not arn.is_arn(text)


def test_parse_arn_rejects_non_strings():
    with pytest.raises(ValueError, match="must be a string"):
        arn.parse_arn(None)


def test_build_arn_round_trips_through_parse():
    text = arn.build_arn("aws-us-gov", "iam", "", "123456789012", "role/path/x")
    assert text == "arn:aws-us-gov:iam::123456789012:role/path/x"
    assert arn.account_from_arn(text) == "123456789012"


@pytest.mark.parametrize(
    ("item", "partition", "expected"),
    [
        ("AmazonSSMManagedInstanceCore", "aws", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
        (
            "service-role/AmazonEC2ContainerServiceforEC2Role",
            "aws-cn",
            "arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        ),
        ("/service-role/X/", "aws-us-gov", "arn:aws-us-gov:iam::aws:policy/service-role/X"),
        # A full ARN is used as it is, whatever the partition of the region.
        ("arn:aws:iam::123456789012:policy/mine", "aws-cn", "arn:aws:iam::123456789012:policy/mine"),
    ],
)
def test_aws_managed_policy_arn(item, partition, expected):
    assert arn.aws_managed_policy_arn(item, partition) == expected


@pytest.mark.parametrize(
    ("item", "rule"),
    [
        ("arn:aws:iam::123456789012:role/not-a-policy", "not an IAM policy ARN"),
        ("arn:aws:s3:::bucket/policy", "not an IAM policy ARN"),
        ("arn:aws:iam:us-east-1:123456789012:policy/x", "not an IAM policy ARN"),
        ("arn:aws:iam:::policy/x", "needs an account"),
        ("arn:aws:iam::1234:policy/x", "not 12 digits"),
        ("Amazon SSM Core", "neither an ARN nor"),
        ("a//b", "neither an ARN nor"),
        ("", "neither an ARN nor"),
    ],
)
def test_aws_managed_policy_arn_rejects_malformed_items(item, rule):
    with pytest.raises(ValueError, match=rule):
        arn.aws_managed_policy_arn(item, "aws")
