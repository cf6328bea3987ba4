"""Which files in a drop folder are not documents to take (pure)."""

from __future__ import annotations

import re
from pathlib import Path

# Office owner files (~$x.docx), LibreOffice locks (.~lock.x#), partial downloads and
# copies in progress, editor swap files, and the shell's own litter.
_IGNORED = re.compile(
    r"^(?:~\$.*|\.~lock\..*#|~.*\.tmp|thumbs\.db|desktop\.ini|\.ds_store"
    r"|.*\.(?:tmp|temp|part|partial|crdownload|download|swp|swx|lock|lnk))$",
    re.IGNORECASE,
)


def is_ignored(path: Path, root: Path) -> bool:
    """True for temporary, lock and hidden files (or files in hidden folders) under ``root``."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    return any(part.startswith(".") for part in parts) or bool(_IGNORED.match(path.name))
