import pytest

from tests.agents.recording_endpoint import RecordingEndpoint
from tests.agents.sandbox import HostSandbox


@pytest.fixture
def host(tmp_path):
    sandbox = HostSandbox.create(tmp_path)
    yield sandbox
    sandbox.close()


@pytest.fixture
def endpoint():
    """SSM and ECS as the agents see them, recording every request (recording_endpoint.py)."""
    recording = RecordingEndpoint()
    yield recording
    recording.close()
