"""An index version's manifest: what made it (format, model, chunker settings, corpus) and what it holds.

Every store records one per version (a file store as manifest.json, PostgreSQL in `versions.manifest`),
and a search reads it to refuse an index this program or its model cannot use.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from .errors import REBUILD_HINT, IndexMismatchError

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    max_tokens: int
    chunker: dict
    corpus_fingerprint: str
    corpus_paths: list[str]
    articles: int
    chunks: int
    built_at: str
    build_seconds: float
    files: dict[str, str] | None = None
    """The SHA-256 digest of each other file of the version, by path within it (see `file_digests`).
    None in versions written before digests were recorded: those cannot be checked."""
    answerability: dict | None = None
    """The answer decision's calibration for this corpus (`index.answerability.Calibration`); None in
    versions built before it was recorded, which work it out when they are opened."""
    changes: dict | None = None
    """What the build that wrote this version did, compared with the version before it: articles
    "added", "changed", "removed", passages "embedded" and "reused". None in older versions."""

    @classmethod
    def from_record(cls, record: object, what: str, where: str) -> Manifest:
        """A manifest from its JSON record; IndexMismatchError naming `what` (the manifest) or
        `where` (its index) unless it is one this newsbot reads."""
        if not isinstance(record, dict):
            raise IndexMismatchError(f"{what} is not a JSON object", REBUILD_HINT)
        found = record.get("format_version")
        if found != FORMAT_VERSION:
            raise IndexMismatchError(
                f"{where} has format version {found}, this newsbot reads version {FORMAT_VERSION}", REBUILD_HINT
            )
        try:
            manifest = cls(**record)
        except TypeError as error:
            raise IndexMismatchError(f"{what} is incomplete ({error})", REBUILD_HINT) from None
        for name, check in _MANIFEST_TYPES.items():
            if not check(getattr(manifest, name)):
                raise IndexMismatchError(
                    f"{what} is damaged: its {name} is " f"{json.dumps(getattr(manifest, name))[:80]}", REBUILD_HINT
                )
        return manifest

    def to_record(self) -> dict:
        """Its JSON record, without the fields an older version did not record."""
        return {
            k: v for k, v in self.__dict__.items() if k not in ("files", "answerability", "changes") or v is not None
        }


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_MANIFEST_TYPES = {
    "model": lambda v: isinstance(v, str),
    "dimension": _is_int,
    "max_tokens": _is_int,
    "chunker": lambda v: isinstance(v, dict),
    "corpus_fingerprint": lambda v: isinstance(v, str),
    "corpus_paths": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "articles": _is_int,
    "chunks": _is_int,
    "built_at": lambda v: isinstance(v, str),
    "build_seconds": lambda v: _is_int(v) or isinstance(v, float),
    "changes": lambda v: v is None or (isinstance(v, dict) and all(_is_int(n) for n in v.values())),
    "answerability": lambda v: v is None or isinstance(v, dict),
    "files": lambda v: v is None
    or (isinstance(v, dict) and all(isinstance(k, str) and isinstance(d, str) for k, d in v.items())),
}
assert _MANIFEST_TYPES.keys() == {f.name for f in dataclasses.fields(Manifest)} - {"format_version"}
