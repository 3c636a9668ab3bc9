import pytest

from tests.agents.sandbox import HostSandbox


@pytest.fixture
def host(tmp_path):
    sandbox = HostSandbox.create(tmp_path)
    yield sandbox
    sandbox.close()
