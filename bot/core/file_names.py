"""Safe names for files that users and web servers name: one rule for uploads and fetched pages."""

from __future__ import annotations

import re
import unicodedata

UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_STEM_CHARS = 80


def safe_stem(text: str) -> str:
    """Only letters, digits, "_", "." and "-" (no folders, control, format or bidirectional characters),
    no leading or trailing dot (hidden files are not read as corpus), at most 80 characters; "" when
    nothing is left."""
    cleaned = UNSAFE.sub("-", unicodedata.normalize("NFKC", text)).strip("-._")
    return cleaned[:MAX_STEM_CHARS].strip("-._")
