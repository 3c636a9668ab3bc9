"""mi- ids and container instance ARNs (plugins/module_utils/instance_ids.py)."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import instance_ids

NEW_ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef"
OLD_ARN = "arn:aws-cn:ecs:cn-north-1:123456789012:container-instance/01234567-89ab-cdef-0123-456789abcdef"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("mi-0123456789abcdef0", True),
        ("mi-0123456789ABCDEF0", False),
        ("mi-0123456789abcdef", False),
        ("mi-0123456789abcdef01", False),
        ("i-0123456789abcdef0", False),
        (" mi-0123456789abcdef0", False),
    ],
)
def test_managed_instance_ids(value, valid):
    assert instance_ids.is_managed_instance_id(value) is valid
    problems = instance_ids.managed_instance_id_problems([value], "instance_ids")
    assert (problems == []) is valid


def test_an_arn_given_as_id_is_named_as_such():
    [problem] = instance_ids.managed_instance_id_problems([NEW_ARN], "instance_ids")
    assert problem.startswith("instance_ids:") and "container_instance_arns" in problem


def test_both_arn_formats_are_understood():
    assert instance_ids.container_instance_arn_cluster(NEW_ARN) == "edge"
    assert instance_ids.is_container_instance_arn(OLD_ARN)
    assert instance_ids.container_instance_arn_cluster(OLD_ARN) is None
    assert instance_ids.container_instance_arn_problems([NEW_ARN, OLD_ARN], "arns", "edge") == []


def test_an_arn_of_another_cluster_is_refused_also_when_the_cluster_is_an_arn():
    cluster_arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
    [problem] = instance_ids.container_instance_arn_problems([NEW_ARN], "container_instance_arns", cluster_arn)
    assert "cluster 'edge', not to cluster 'prod'" in problem
    assert instance_ids.cluster_name(cluster_arn) == "prod"


def test_an_id_given_as_arn_and_garbage_are_named():
    problems = instance_ids.container_instance_arn_problems(
        ["mi-0123456789abcdef0", "arn:aws:ecs:eu-west-1:123456789012:cluster/edge"], "container_instance_arns", "edge"
    )
    assert "pass it as instance_ids" in problems[0]
    assert "is not a container instance ARN" in problems[1]
