"""The benchmark (test code, never shipped). It reads the collection's own module_utils (e.g. the
naming marker a run leaves) from the checkout it measures, as ansible-playbook does."""

import os
import sys
from pathlib import Path

_COLLECTIONS = os.environ.get(
    "BENCH_COLLECTIONS_PATH", str(Path(__file__).resolve().parents[1] / ".build" / "collections")
)
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
