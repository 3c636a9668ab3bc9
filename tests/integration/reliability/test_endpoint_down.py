"""An AWS endpoint that refuses connections fails the run fast, with a message naming it.

The control plane is the first thing site.yml does; with nothing listening at the
endpoint, the control_plane role must fail within seconds (botocore's retries on a
refused connection, no long waits) and say which endpoint it could not reach. The bounds are
the figures docs/security.md gives, with room for a loaded 2-core machine: measured 2-8 s and
2-7 s at load averages of 3 to 10, 14 s and 8 s at a load average of 20.
"""

from __future__ import annotations

import json
import socket
import time

from tests.integration.ansible_runner import run_module, run_playbook

CONTROL_PLANE_RUN_SECONDS = 30
LOOKUP_MODULE_SECONDS = 20


def closed_endpoint() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def fake_credentials() -> dict:
    return {
        "AWS_ACCESS_KEY_ID": "AKIAENDPOINTDOWNTEST",
        "AWS_SECRET_ACCESS_KEY": "endpoint-down-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def test_control_plane_fails_fast_naming_the_endpoint(tmp_path):
    endpoint = closed_endpoint()
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Control plane",
                "ansible.builtin.include_role": {"name": "onprem.ecs_anywhere.control_plane"},
                "vars": {"ecs_anywhere_region": "us-east-1", "ecs_anywhere_aws_endpoint_url": endpoint},
            }
        ],
    }
    playbook = tmp_path / "control_plane.yml"
    playbook.write_text(json.dumps([play]))

    started = time.monotonic()
    run = run_playbook(playbook, fake_credentials())
    elapsed = time.monotonic() - started

    failed = [r for r in run.results() if r.get("failed")]
    print(
        f"\ncontrol plane with the endpoint down failed after {elapsed:.1f} s: {failed[0]['msg'] if failed else None}"
    )
    assert run.returncode != 0
    assert failed, run.results()
    assert endpoint in failed[0]["msg"], failed[0]["msg"]
    assert elapsed < CONTROL_PLANE_RUN_SECONDS


def test_a_lookup_module_fails_fast_naming_the_endpoint():
    endpoint = closed_endpoint()
    started = time.monotonic()
    result = run_module(
        "onprem.ecs_anywhere.managed_instance_info",
        {"instance_ids": ["mi-0123456789abcdef0"], "endpoint_url": endpoint, "region": "us-east-1"},
        fake_credentials(),
    )
    elapsed = time.monotonic() - started
    print(f"\nmanaged_instance_info with the endpoint down failed after {elapsed:.1f} s: {result.get('msg')}")
    assert result.get("failed") is True
    assert endpoint in result["msg"], result["msg"]
    assert elapsed < LOOKUP_MODULE_SECONDS
