"""cluster_info against the emulator: every cluster of a region in one read, missing and deleted ones named."""

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import operations

MODULE = "onprem.ecs_anywhere.cluster_info"


def test_clusters_of_a_region_in_one_call_with_the_missing_and_deleted_named(emulator):
    ecs = emulator.client("ecs")
    for name in ("edge", "lab", "gone"):
        ecs.create_cluster(clusterName=name)
    ecs.delete_cluster(cluster="gone")
    edge_arn = ecs.describe_clusters(clusters=["edge"])["clusters"][0]["clusterArn"]
    emulator.clear_calls()

    result = run_module(MODULE, {"names": ["lab", edge_arn, "gone", "never", "lab"]}, emulator.env(), check=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert [(c["name"], c["status"]) for c in result["clusters"]] == [("lab", "ACTIVE"), ("edge", "ACTIVE")]
    assert result["missing"] == ["gone", "never"]
    assert operations(emulator.calls()) == ["DescribeClusters"]


def test_a_cluster_of_another_region_is_missing_here(emulator):
    emulator.client("ecs", region="eu-west-1").create_cluster(clusterName="west")
    result = run_module(MODULE, {"names": ["west"], "region": "us-east-1"}, emulator.env(), check=True)
    assert result["clusters"] == [] and result["missing"] == ["west"]


def test_bad_names_are_refused_before_any_call(emulator):
    emulator.clear_calls()
    result = run_module(MODULE, {"names": ["edge", "not a cluster"]}, emulator.env(), check=True)
    assert result.get("failed") is True
    assert "names: 'not a cluster' is not an ECS cluster name" in result["msg"]
    assert emulator.calls() == []
