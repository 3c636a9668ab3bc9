"""The batch form of container_instance (plugins/modules/container_instance.py): state updates 10 per call,
failures named, one shared deadline; against a fake module and a fake ECS client."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.modules import container_instance


def arn(number):
    return f"arn:aws:ecs:us-east-1:123456789012:container-instance/edge/{number:032x}"


class Failed(Exception):
    def __init__(self, result):
        super().__init__(result["msg"])
        self.result = result


class FakeModule:
    def __init__(self, client, **params):
        self.params = {"cluster": "edge", "instances": [], "state": "absent", "drain_timeout": 0, "force": False}
        self.params.update(params)
        self.check_mode = False
        self._client = client

    def client(self, service, retry_decorator=None):
        return self._client

    def fail_json(self, **result):
        raise Failed(result)

    def fail_json_aws(self, exception, msg=None, **result):
        raise Failed(dict(result, msg=f"{msg}: {exception}"))


class FakeEcs:
    """UpdateContainerInstancesState (<= 10 ARNs, as ECS), failing for the ARNs in ``refuse``."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.update_calls = []

    def update_container_instances_state(self, cluster, containerInstances, status, aws_retry=False):
        assert aws_retry is True
        if len(containerInstances) > 10:
            raise AssertionError("ECS takes at most 10 container instances")
        self.update_calls.append(list(containerInstances))
        return {
            "containerInstances": [
                {"containerInstanceArn": a, "status": status, "runningTasksCount": 0}
                for a in containerInstances
                if a not in self.refuse
            ],
            "failures": [{"arn": a, "reason": "INACTIVE"} for a in containerInstances if a in self.refuse],
        }


def test_state_updates_go_10_per_call():
    ecs = FakeEcs()
    batch = container_instance.ContainerInstanceBatch(FakeModule(ecs))
    updated = batch.set_status([arn(n) for n in range(23)], "DRAINING")
    assert [len(call) for call in ecs.update_calls] == [10, 10, 3]
    assert sorted(updated) == sorted(arn(n) for n in range(23))
    assert {item["status"] for item in updated.values()} == {"DRAINING"}
    assert batch.written is True


def test_a_failure_fails_naming_the_arn_and_reason_and_reports_earlier_writes():
    ecs = FakeEcs(refuse=[arn(12), arn(14)])
    batch = container_instance.ContainerInstanceBatch(FakeModule(ecs))
    with pytest.raises(Failed) as failed:
        batch.set_status([arn(n) for n in range(23)], "ACTIVE")
    assert failed.value.result["msg"] == (
        f"UpdateContainerInstancesState to ACTIVE failed for {arn(12)}: INACTIVE; {arn(14)}: INACTIVE"
    )
    assert failed.value.result["changed"] is True
    # Nothing is sent after the call that failed.
    assert len(ecs.update_calls) == 2


def test_nothing_written_when_every_update_fails():
    ecs = FakeEcs(refuse=[arn(0)])
    batch = container_instance.ContainerInstanceBatch(FakeModule(ecs))
    with pytest.raises(Failed) as failed:
        batch.set_status([arn(0)], "DRAINING")
    assert failed.value.result["changed"] is False


@pytest.mark.parametrize(
    ("instances", "problems"),
    [
        (["mi-0123456789abcdef0", arn(1)], []),
        (
            ["mi-0123456789abcdef0", "mi-X", "edge/1"],
            [
                "instances[1]: 'mi-X' is not a managed instance id (mi- followed by 17 lowercase hex digits)",
                "instances[2]: 'edge/1' is not a container instance ARN "
                "(arn:<partition>:ecs:<region>:<account>:container-instance/<cluster>/<id>)",
            ],
        ),
        (
            [arn(1), arn(1), arn(1)],
            [
                f"instances: '{arn(1)}' is given more than once (instances[0], instances[1], instances[2]); "
                "give each container instance once"
            ],
        ),
    ],
)
def test_every_element_is_checked_before_any_call(instances, problems):
    module = FakeModule(None, instances=instances)
    if not problems:
        container_instance.validate(module)
        return
    with pytest.raises(Failed) as failed:
        container_instance.validate(module)
    assert failed.value.result["msg"] == "; ".join(problems)
