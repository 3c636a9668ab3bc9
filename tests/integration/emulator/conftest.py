"""The emulator's own tests start from the lenient switches; a test of a strict rule sets it itself.

So these tests read the same whichever start values (tests/emulator/switches.py) the server has.
"""

from __future__ import annotations

import pytest

from tests.emulator.switches import LENIENT


@pytest.fixture
def emulator(emulator_server):
    emulator_server.reset()
    emulator_server.set_config(**LENIENT)
    return emulator_server
