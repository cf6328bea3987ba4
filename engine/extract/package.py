"""Zip packages that come from outside (.docx, OFD): checked, then read part by part.

A package is refused from its zip directory alone, before anything is inflated,
when it has more than :data:`MAX_ENTRIES` members, unpacks to more than the
format's limit, or holds a member that inflates more than :data:`MAX_RATIO` times
(a zip bomb). A member's declared size also bounds what reading it returns, so a
directory that lies cannot make a read larger. XML parts are parsed with no entity
expansion, no DTD loading, no network and libxml2's limits on depth and node size;
a part that declares a DTD at all is refused: OPC forbids one (ECMA-376 part 2,
[M1.18], against entity expansion), GB/T 33190 defines its parts by XML Schema and
needs none, so one is only ever there to smuggle entities in.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree
from lxml.etree import _Element

from engine.extract import ExtractionError

MAX_ENTRIES = 10_000
MAX_RATIO = 100  # uncompressed : compressed; real XML and images stay far below
RATIO_FLOOR = 2**20  # small members may inflate a lot (a run of blanks) and cost nothing

_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class ZipPackage:
    """The members of a zip package; ``kind`` names it in messages ("the .docx")."""

    def __init__(self, data: bytes, kind: str, max_unpacked: int) -> None:
        self.kind = kind
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            members = self._zip.infolist()
        except zipfile.BadZipFile as exc:
            raise ExtractionError("corrupt", f"{kind} is not a readable zip ({exc})") from exc
        if len(members) > MAX_ENTRIES:
            raise ExtractionError(
                "too_large",
                f"{kind} has {len(members):,} members; the limit is {MAX_ENTRIES:,}",
            )
        unpacked = sum(member.file_size for member in members)
        if unpacked > max_unpacked:
            raise ExtractionError(
                "too_large",
                f"{kind} unpacks to {unpacked:,} bytes; the limit is {max_unpacked:,}",
            )
        for member in members:
            if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise ExtractionError(
                    "too_large",
                    f"{kind}: {member.filename} inflates {member.compress_size:,} bytes to "
                    f"{member.file_size:,} (a zip bomb?); the limit is {MAX_RATIO}:1",
                )
        self.names = frozenset(member.filename for member in members)

    def read(self, name: str) -> bytes:
        if name not in self.names:
            raise ExtractionError("corrupt", f"{self.kind} lacks its part {name}")
        if self._zip.getinfo(name).flag_bits & 0x1:
            raise ExtractionError("encrypted", f"{self.kind}: {name} is password-protected")
        return self._zip.read(name)

    def xml(self, name: str) -> _Element:
        """The root of the XML part ``name``."""
        try:
            root = etree.fromstring(self.read(name), _SAFE_XML)
        except etree.XMLSyntaxError as exc:
            raise ExtractionError(
                "corrupt", f"{self.kind}: {name} is not well-formed XML ({exc})"
            ) from exc
        if root.getroottree().docinfo.doctype:
            raise ExtractionError(
                "corrupt", f"{self.kind}: {name} declares a DTD, which its format does not allow"
            )
        return root
