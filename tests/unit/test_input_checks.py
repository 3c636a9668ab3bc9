"""Activation ids and cluster names are checked before any AWS call."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import (
    activation_id_problems,
    cluster_problems,
)

ACTIVATION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_activation_ids_must_be_lowercase_uuids():
    assert activation_id_problems([ACTIVATION], "activation_ids") == []
    assert activation_id_problems([ACTIVATION.upper(), "abc", ACTIVATION], "activation_ids") == [
        f"activation_ids: '{ACTIVATION.upper()}' is not an activation id (a lowercase UUID)",
        "activation_ids: 'abc' is not an activation id (a lowercase UUID)",
    ]


@pytest.mark.parametrize("cluster", ["edge", "a" * 255, "edge_1-b", "arn:aws:ecs:us-east-1:123456789012:cluster/edge"])
def test_cluster_names_and_arns_pass(cluster):
    assert cluster_problems(cluster) == []


@pytest.mark.parametrize("cluster", ["", "my cluster", "a" * 256, "edge/1", "arn:aws:ecs:us-east-1:12:cluster/edge"])
def test_other_clusters_fail_naming_the_option_and_rule(cluster):
    [problem] = cluster_problems(cluster)
    assert problem.startswith(f"cluster: '{cluster}' is not an ECS cluster name (1-255 letters, digits, - and _)")
