# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which package a .deb or .rpm holds, read from its first bytes; no I/O.

read_package(data, complete) -> {"format", "package", "version", "architecture"[, "epoch"]}
    data is the start of the file; complete is true when data is the whole file, so that
    running out of bytes means a damaged file rather than too few bytes read.
    Raises PackageHeaderError (NotWithinBytes when more bytes would tell) with a message
    that completes "cannot tell which package <url> holds: ...".
package_format(data) -> "deb", "rpm" or None, by magic bytes.
describe_start(data) -> what the first bytes look like, for the message of a file that is neither.
"""

import io
import struct
import sys
import tarfile

DEB_MAGIC = b"!<arch>\n"
RPM_LEAD_MAGIC = b"\xed\xab\xee\xdb"
RPM_HEADER_MAGIC = b"\x8e\xad\xe8\x01"

AR_HEADER_SIZE = 60
RPM_LEAD_SIZE = 96
RPM_HEADER_INTRO_SIZE = 16
RPM_INDEX_ENTRY_SIZE = 16
# rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX); larger numbers mean a damaged header.
RPM_MAX_TAGS = 0x10000
RPM_MAX_STORE = 256 * 1024 * 1024

RPM_TAG_NAME = 1000
RPM_TAG_VERSION = 1001
RPM_TAG_RELEASE = 1002
RPM_TAG_EPOCH = 1003
RPM_TAG_ARCH = 1022
RPM_TYPE_INT32 = 4
RPM_STRING_TYPES = (6, 8, 9)  # STRING, STRING_ARRAY, I18NSTRING: the first string is the value

DEB_CONTROL_MEMBERS = {
    "control.tar": "r:",
    "control.tar.gz": "r:gz",
    "control.tar.xz": "r:xz",
    "control.tar.zst": "r:zst",
}

KNOWN_STARTS = (
    (b"<!doctype html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<?xml", "an XML document, such as an S3 error"),
    (b"{", "JSON"),
    (b"\x1f\x8b", "gzip data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x7fELF", "an ELF program"),
    (b"-----BEGIN PGP", "a PGP signature or key"),
)


class PackageHeaderError(ValueError):
    """The bytes do not tell which package they hold; the message says why."""


class NotWithinBytes(PackageHeaderError):
    """What is needed lies beyond the bytes read; reading more would tell."""


def package_format(data):
    if data.startswith(DEB_MAGIC):
        return "deb"
    if data.startswith(RPM_LEAD_MAGIC):
        return "rpm"
    return None


def describe_start(data):
    if not data:
        return "it is empty"
    start = bytes(data[:16])
    text = start.lstrip().lower()
    for magic, kind in KNOWN_STARTS:
        if text.startswith(magic) or start.startswith(magic):
            return "it starts with %r (%s)" % (start, kind)
    return "it starts with %r" % (start,)


def read_package(data, complete=False):
    data = bytes(data)
    kind = package_format(data)
    if kind == "deb":
        return read_deb(data, complete)
    if kind == "rpm":
        return read_rpm(data, complete)
    raise PackageHeaderError("not a .deb or .rpm package; %s" % describe_start(data))


def _cut_short(data, complete, what):
    if complete:
        return PackageHeaderError(
            "the file ends after %d bytes, inside its %s; it is cut off or damaged" % (len(data), what)
        )
    return NotWithinBytes("the package's %s is not within the first %d bytes; raise max_bytes" % (what, len(data)))


# .deb: an ar archive of debian-binary, control.tar[.gz|.xz|.zst] and data.tar.*, in that order (deb(5)).


def ar_members(data, complete=False):
    """(name, offset of its data, size) of each member whose header is within data."""
    offset = len(DEB_MAGIC)
    while offset < len(data):
        header = data[offset : offset + AR_HEADER_SIZE]
        if len(header) < AR_HEADER_SIZE:
            raise _cut_short(data, complete, "control data")
        if header[58:60] != b"`\n":
            raise PackageHeaderError("the ar archive's member header at byte %d is damaged" % offset)
        try:
            size = int(header[48:58].decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            raise PackageHeaderError(
                "the ar archive's member header at byte %d has no size (%r)" % (offset, header[48:58])
            ) from None
        name = header[0:16].decode("ascii", "replace").rstrip(" ").rstrip("/")
        yield name, offset + AR_HEADER_SIZE, size
        offset += AR_HEADER_SIZE + size + size % 2


def deb_control_member(data, complete=False):
    """(member name, member bytes) of the control tarball."""
    members = ar_members(data, complete)
    first = next(members, None)
    if first is None:
        raise _cut_short(data, complete, "control data")
    if first[0] != "debian-binary":
        raise PackageHeaderError(
            "an ar archive but not a Debian package: its first member is %r, not 'debian-binary'" % first[0]
        )
    for name, start, size in members:
        if name.startswith("_"):
            continue  # deb(5): members named _* may come before control.tar and are to be ignored
        if name not in DEB_CONTROL_MEMBERS:
            raise PackageHeaderError("no control member: %r follows debian-binary, not control.tar" % name)
        if start + size > len(data):
            raise _cut_short(data, complete, "control data")
        return name, data[start : start + size]
    raise _cut_short(data, complete, "control data")


def _open_control_tar(name, member):
    mode = DEB_CONTROL_MEMBERS[name]
    if mode == "r:zst" and "zst" not in tarfile.TarFile.OPEN_METH:
        raise PackageHeaderError(
            "its control member is %s (zstd), which Python's tarfile cannot read before Python 3.14 "
            "(this host runs %d.%d); a pinned version needs no lookup" % (name, *sys.version_info[:2])
        )
    try:
        return tarfile.open(fileobj=io.BytesIO(member), mode=mode)
    except tarfile.CompressionError as e:
        raise PackageHeaderError("this host's Python cannot decompress %s: %s" % (name, e)) from None
    except (tarfile.TarError, EOFError, OSError) as e:
        raise PackageHeaderError("its %s is damaged: %s" % (name, e)) from None


def deb_control_fields(text):
    """The fields of a deb822 paragraph (continuation lines joined), names as written."""
    fields = {}
    name = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # only the first paragraph
            continue
        if line[0] in " \t" and name is not None:
            fields[name] += "\n" + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            name = name.strip()
            fields[name] = value.strip()
    return fields


def read_deb(data, complete=False):
    name, member = deb_control_member(data, complete)
    try:
        with _open_control_tar(name, member) as archive:
            control = None
            for entry in archive:
                if entry.isfile() and entry.name in ("./control", "control"):
                    control = archive.extractfile(entry).read()
                    break
    except (tarfile.TarError, EOFError, OSError) as e:
        raise PackageHeaderError("its %s is damaged: %s" % (name, e)) from None
    if control is None:
        raise PackageHeaderError("its %s holds no ./control file" % name)
    fields = {key.lower(): value for key, value in deb_control_fields(control.decode("utf-8", "replace")).items()}
    result = {"format": "deb"}
    for field, key in (("Package", "package"), ("Version", "version"), ("Architecture", "architecture")):
        if not fields.get(field.lower()):
            raise PackageHeaderError("its control file has no %s field" % field)
        result[key] = fields[field.lower()]
    return result


# .rpm: a 96-byte lead, the signature header padded to 8 bytes, then the main header.
# A header: magic 8e ad e8 01, 4 reserved bytes, index count, store size (big-endian);
# then 16-byte index entries (tag, type, offset into the store, count), then the store.


def _rpm_header_intro(data, offset, complete, what):
    intro = data[offset : offset + RPM_HEADER_INTRO_SIZE]
    if len(intro) < RPM_HEADER_INTRO_SIZE:
        raise _cut_short(data, complete, "header data")
    if intro[:4] != RPM_HEADER_MAGIC:
        raise PackageHeaderError("an rpm lead but no %s at byte %d (it starts with %r)" % (what, offset, intro[:4]))
    count, store_size = struct.unpack(">II", intro[8:16])
    if count > RPM_MAX_TAGS or store_size > RPM_MAX_STORE:
        raise PackageHeaderError(
            "its %s at byte %d is damaged (%d tags, %d bytes of data)" % (what, offset, count, store_size)
        )
    return count, store_size


def rpm_main_header_offset(data, complete=False):
    count, store_size = _rpm_header_intro(data, RPM_LEAD_SIZE, complete, "signature header")
    size = RPM_HEADER_INTRO_SIZE + count * RPM_INDEX_ENTRY_SIZE + store_size
    return RPM_LEAD_SIZE + size + (-size % 8)


def rpm_header_tags(data, offset, wanted, complete=False):
    """{tag: value} of the wanted tags present in the header at offset (strings and INT32s)."""
    count, store_size = _rpm_header_intro(data, offset, complete, "main header")
    index_start = offset + RPM_HEADER_INTRO_SIZE
    store_start = index_start + count * RPM_INDEX_ENTRY_SIZE
    if store_start > len(data):
        raise _cut_short(data, complete, "header data")
    values = {}
    for entry in range(count):
        tag, kind, at = struct.unpack_from(">iii", data, index_start + entry * RPM_INDEX_ENTRY_SIZE)
        if tag not in wanted:
            continue
        if not 0 <= at < store_size:
            raise PackageHeaderError("its main header is damaged (tag %d points outside its data)" % tag)
        start = store_start + at
        if kind == RPM_TYPE_INT32:
            if start + 4 > len(data):
                raise _cut_short(data, complete, "header data")
            values[tag] = struct.unpack_from(">I", data, start)[0]
        elif kind in RPM_STRING_TYPES:
            end = data.find(b"\x00", start, store_start + store_size)
            if end < 0:
                if store_start + store_size > len(data):
                    raise _cut_short(data, complete, "header data")
                raise PackageHeaderError("its main header is damaged (tag %d's string has no end)" % tag)
            values[tag] = data[start:end].decode("utf-8", "replace")
    return values


def read_rpm(data, complete=False):
    offset = rpm_main_header_offset(data, complete)
    wanted = (RPM_TAG_NAME, RPM_TAG_VERSION, RPM_TAG_RELEASE, RPM_TAG_ARCH, RPM_TAG_EPOCH)
    tags = rpm_header_tags(data, offset, wanted, complete)
    for tag, label in (
        (RPM_TAG_NAME, "NAME"),
        (RPM_TAG_VERSION, "VERSION"),
        (RPM_TAG_RELEASE, "RELEASE"),
        (RPM_TAG_ARCH, "ARCH"),
    ):
        if not tags.get(tag):
            raise PackageHeaderError("its header has no %s tag (%d)" % (label, tag))
    result = {
        "format": "rpm",
        "package": tags[RPM_TAG_NAME],
        "version": "%s-%s" % (tags[RPM_TAG_VERSION], tags[RPM_TAG_RELEASE]),
        "architecture": tags[RPM_TAG_ARCH],
    }
    if RPM_TAG_EPOCH in tags:
        result["epoch"] = tags[RPM_TAG_EPOCH]
    return result
