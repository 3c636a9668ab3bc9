"""The machine-wide store behind the world's apt cache: which Debian files may be kept, and keeping them safely.

Only files whose content can never change under their URL are kept, so a kept copy is always correct:

- ``.../pool/.../*.deb``: Debian never replaces a pool file in place (a new version has a new file name);
- ``.../by-hash/SHA256/<digest>``: content-addressed index files (``Packages.xz``, ``Translation-en``...),
  checked against the digest in their URL before they are kept.

``InRelease``, ``Release`` and the plain index paths change under the same URL, so they are never kept:
every ``apt-get update`` asks Debian's mirror for them.

Every world on the machine shares the store and may write the same file at the same time: a file is
written to a temporary name in its own directory and renamed into place, so a reader sees either no
file or a whole one, and two writers of one URL leave one whole copy (the same bytes).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Machine-wide, not per checkout or per world: the same .deb is the same file for every world.
DEFAULT_ROOT = Path("/var/cache/ecsa-world/apt")
ROOT_ENV = "ECSA_WORLD_APT_CACHE"
# A kept file nobody asked for in this long is removed when a cache server starts.
UNUSED_DAYS = 30
PARTIAL_PREFIX = ".partial-"
# A temporary file this old belongs to a server that died mid-download.
PARTIAL_STALE_SECONDS = 24 * 3600

_BY_HASH = re.compile(r"/.*/by-hash/SHA256/([0-9a-f]{64})")
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_-]*")


def root() -> Path | None:
    """The store's directory: ``$ECSA_WORLD_APT_CACHE``, else the default; None when that variable is ``off``."""
    value = os.environ.get(ROOT_ENV, "")
    if value == "off":
        return None
    return Path(value) if value else DEFAULT_ROOT


class Entry:
    """Where a cacheable URL is kept, and what its content must hash to, where the URL says."""

    def __init__(self, relative: str, sha256: str | None = None) -> None:
        self.relative = relative
        self.sha256 = sha256

    def __repr__(self) -> str:
        return f"Entry({self.relative!r}, sha256={self.sha256!r})"


def entry_for(url: str) -> Entry | None:
    """The store entry of an absolute ``http://`` URL, or None when its content may change (never kept)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    by_hash = _BY_HASH.fullmatch(path)
    if by_hash:
        # Content-addressed: the same file whichever mirror or suite names it.
        return Entry(f"sha256/{by_hash.group(1)}", sha256=by_hash.group(1))
    segments = path.split("/")[1:]
    if "pool" not in segments or not segments[-1].endswith((".deb", ".udeb")):
        return None
    if not all(_SAFE_SEGMENT.fullmatch(segment) for segment in [parts.hostname, *segments]):
        return None  # '..', empty or odd segments never become paths under the store
    return Entry("/".join(["deb", parts.hostname.lower(), *segments]))


class Download:
    """The body of one download, written to a temporary file as it arrives."""

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.complete = False

    def write(self, chunk: bytes) -> None:
        os.write(self.handle, chunk)
        self.digest.update(chunk)
        self.size += len(chunk)

    def keep(self) -> None:
        """The body ended normally (not cut off by an error)."""
        self.complete = True


class Store:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, entry: Entry) -> Path:
        return self.directory / entry.relative

    def open(self, entry: Entry):
        """The kept file opened for reading, or None. Its mtime marks it as used (see ``prune``)."""
        path = self.path(entry)
        try:
            kept = path.open("rb")
        except FileNotFoundError:
            return None
        try:
            os.utime(path)
        except OSError:
            pass  # another world pruned or replaced it meanwhile: the open file is still whole
        return kept

    @contextmanager
    def writer(self, entry: Entry, length: int | None):
        """A ``Download`` to write the body to; kept only if ``keep()`` was called, with ``length`` bytes and,
        where the URL names one, its SHA-256. Otherwise (an error, a short body) nothing is kept."""
        target = self.path(entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=target.parent)
        partial = Path(name)
        download = Download(handle)
        try:
            yield download
        finally:
            os.close(handle)
            whole = download.complete and (length is None or download.size == length)
            if whole and entry.sha256 in (None, download.digest.hexdigest()):
                partial.chmod(0o644)
                partial.replace(target)  # atomic: readers in every world see no file or the whole file
            else:
                partial.unlink(missing_ok=True)

    def prune(self, now: float | None = None) -> int:
        """Remove files unused for ``UNUSED_DAYS`` and temporary files of dead downloads; returns how many."""
        now = time.time() if now is None else now
        removed = 0
        for path in self.directory.rglob("*"):
            try:
                if not path.is_file():
                    continue
                age = now - path.stat().st_mtime
                stale = PARTIAL_STALE_SECONDS if path.name.startswith(PARTIAL_PREFIX) else UNUSED_DAYS * 86400
                if age > stale:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # another world's server removed or renamed it first
        return removed
