# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Partition-aware Amazon Resource Names.

Public API (pure functions, no AWS call):

- ``partition_for_region(region)``: ``aws``, ``aws-cn``, ``aws-us-gov``... from
  botocore's own partition data; ``ValueError`` if no partition claims it.
- ``validate_region(region)``: ``region`` if botocore lists it, else ``ValueError``.
- ``known_regions()``: every region botocore lists, by partition.
- ``parse_arn(arn)``: an ``Arn`` named tuple; ``ValueError`` naming the rule broken.
- ``is_arn(text)``: whether ``text`` parses as an ARN.
- ``build_arn(partition, service, region, account, resource)``: the ARN text.
- ``aws_managed_policy_arn(name_or_arn, partition)``: an AWS managed policy ARN
  from its name (optionally with a path, e.g. ``service-role/X``); a full ARN is
  returned unchanged after validation.
"""

import re
from collections import namedtuple
from functools import lru_cache

try:
    from botocore.loaders import create_loader
except ImportError:
    create_loader = None  # the ARN functions that need no partition data still work

Arn = namedtuple("Arn", ["partition", "service", "region", "account", "resource"])

_PARTITION_RE = re.compile(r"^aws(-[a-z]+)*$")
_SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REGION_RE = re.compile(r"^([a-z0-9-]+|\*)?$")
# Account field: 12 digits, "aws" for AWS managed policies, empty for global
# resources such as S3 buckets, or a wildcard inside condition values.
_ACCOUNT_RE = re.compile(r"^(\d{12}|aws|\*)?$")


@lru_cache(maxsize=1)
def _partitions():
    # botocore's own data, so new partitions and regions come with botocore upgrades.
    if create_loader is None:
        raise ValueError("botocore is required for partition and region data")
    return tuple(create_loader().load_data("partitions")["partitions"])


def known_regions():
    """Return ``{partition: sorted list of regions}`` as botocore lists them.

    Pseudo-regions such as ``aws-global`` are left out: nothing runs there.
    """
    result = {}
    for partition in _partitions():
        regions = [name for name in partition.get("regions", {}) if not name.endswith("-global")]
        result[partition["id"]] = sorted(regions)
    return result


def partition_for_region(region):
    """Return the partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...) of ``region``.

    A region botocore lists wins; otherwise the partition whose region pattern
    matches (botocore may be older than the newest region).
    """
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return partition["id"]
    for partition in _partitions():
        pattern = partition.get("regionRegex")
        if pattern and re.match(pattern, region or ""):
            return partition["id"]
    raise ValueError("no AWS partition is known for region {0!r}".format(region))


def validate_region(region):
    """Return ``region`` if botocore lists it in some partition, else raise ``ValueError``."""
    for regions in known_regions().values():
        if region in regions:
            return region
    raise ValueError(
        "{0!r} is not a region botocore knows (e.g. us-east-1, eu-west-1, cn-north-1, us-gov-west-1)".format(region)
    )


def parse_arn(arn):
    """Split ``arn`` into an ``Arn`` tuple, raising ``ValueError`` that names the broken rule."""
    if not isinstance(arn, str):
        raise ValueError("an ARN must be a string, got {0}".format(type(arn).__name__))
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError("{0!r} is not an ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE".format(arn))
    result = Arn(*parts[1:])
    if not _PARTITION_RE.match(result.partition):
        raise ValueError("{0!r}: partition {1!r} is not aws or aws-<name>".format(arn, result.partition))
    if not _SERVICE_RE.match(result.service):
        raise ValueError("{0!r}: service {1!r} is empty or malformed".format(arn, result.service))
    if not _REGION_RE.match(result.region):
        raise ValueError("{0!r}: region {1!r} is malformed".format(arn, result.region))
    if not _ACCOUNT_RE.match(result.account):
        raise ValueError("{0!r}: account {1!r} is not 12 digits".format(arn, result.account))
    if not result.resource:
        raise ValueError("{0!r}: the resource part is empty".format(arn))
    return result


def is_arn(text):
    """Return True if ``text`` parses as an ARN."""
    try:
        parse_arn(text)
    except ValueError:
        return False
    return True


def build_arn(partition, service, region, account, resource):
    """Join the parts into an ARN, e.g. ``build_arn("aws", "iam", "", "123456789012", "role/x")``."""
    return "arn:{0}:{1}:{2}:{3}:{4}".format(partition, service, region, account, resource)


def validate_iam_policy_arn(arn):
    """Return ``arn`` if it is an IAM managed policy ARN, else raise ``ValueError``."""
    parsed = parse_arn(arn)
    if parsed.service != "iam" or parsed.region or not parsed.resource.startswith("policy/"):
        raise ValueError("{0!r} is not an IAM policy ARN (arn:PARTITION:iam::ACCOUNT:policy/NAME)".format(arn))
    if parsed.account in ("", "*"):
        raise ValueError("{0!r}: an IAM policy ARN needs an account (12 digits or aws)".format(arn))
    return arn


def aws_managed_policy_arn(name_or_arn, partition):
    """Return the ARN of a managed policy given as a full ARN or as an AWS managed policy name.

    ``aws_managed_policy_arn("service-role/AmazonEC2ContainerServiceforEC2Role", "aws-cn")``
    gives ``arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role``.
    """
    if name_or_arn.startswith("arn:"):
        return validate_iam_policy_arn(name_or_arn)
    name = name_or_arn.strip("/")
    if not name or not re.match(r"^[\w+=,.@/-]+$", name) or "//" in name:
        raise ValueError("{0!r} is neither an ARN nor an AWS managed policy name".format(name_or_arn))
    return build_arn(partition, "iam", "", "aws", "policy/" + name)


def account_from_arn(arn):
    """Return the account id held in ``arn``."""
    return parse_arn(arn).account
