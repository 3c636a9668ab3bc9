"""The version of the package an executable came in, written into it by the build (executable.py).

Nothing here names a version: the same sources build every version of a package.
"""

import functools
import pkgutil

# The archive member executable.py writes beside the runtime modules.
RESOURCE = "PACKAGE_VERSION"


@functools.cache
def package_version() -> str:
    """The Debian version of the package (e.g. ``1.90.0-1``); read once, so an upgrade on disk does not change it."""
    try:
        data = pkgutil.get_data(__package__, RESOURCE)
    except OSError:
        data = None
    if not data:
        raise RuntimeError(
            f"no {RESOURCE} in this executable: run the agents as tests/agents/executable.py builds them"
        )
    return data.decode().strip()


def upstream_version(version: str) -> str:
    """The software's own version: a Debian version without its epoch and revision (``1:1.90.0-1`` -> ``1.90.0``)."""
    without_epoch = version.split(":", 1)[-1]
    return without_epoch.rsplit("-", 1)[0] if "-" in without_epoch else without_epoch
