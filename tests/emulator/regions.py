"""Regions and partitions as botocore lists them: the one endpoint serves every region AWS has.

botocore's endpoint data is what AWS's SDKs build endpoints and ARNs from; moto's own partition
guess misses newer partitions (eu-isoe-* is aws-iso-e, not aws). A region botocore does not list
has no endpoint at AWS (a typo such as `us-eest-1` matches the aws partition's name pattern, yet
no endpoint answers for it): a call signed for one is refused as AWS refuses a credential scope
naming no valid region, so a mistyped region fails at once instead of making a world of its own.
"""

from __future__ import annotations

import threading

import botocore.loaders

from tests.emulator.aws_errors import AwsError

_lock = threading.Lock()
_listed: dict[str, str] = {}


def listed_regions() -> dict[str, str]:
    """{region: partition} for every region botocore lists (pseudo-regions like aws-global left out)."""
    with _lock:
        if not _listed:
            for partition in botocore.loaders.create_loader().load_data("endpoints")["partitions"]:
                for region in partition.get("regions", {}):
                    if not region.endswith("-global"):
                        _listed[region] = partition["partition"]
        return _listed


def partition_of(region: str) -> str | None:
    """The partition of a listed region (`aws`, `aws-cn`, `aws-us-gov`, ...); None for any other."""
    return listed_regions().get(region)


def check_region(region: str, query_protocol: bool) -> None:
    """Refuse a call signed for a region botocore does not list, with the error AWS answers for it."""
    if partition_of(region) is not None:
        return
    message = f"Credential should be scoped to a valid region, not '{region}'."
    if query_protocol:
        raise AwsError("SignatureDoesNotMatch", message, status=403)
    raise AwsError("InvalidSignatureException", message, status=400)
