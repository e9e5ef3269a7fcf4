"""What a build can take from the version in use, so that a change costs only what changed.

An article whose metadata and text are unchanged keeps its passages, their vectors and their term
counts as they are, provided the same model and chunker settings made them (`StoredVersion.same_passages`).
A changed article is chunked again, but any passage whose embedded text is unchanged keeps its vector.
What is the same is known by digests, here.
"""

from __future__ import annotations

import hashlib
import json

from .documents import Article


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def article_digest(article: Article) -> str:
    """Equal for articles with the same id, metadata and text, wherever their files are."""
    meta = {k: v for k, v in article.meta.to_json().items() if k != "source_path"}
    return text_digest(json.dumps(meta, sort_keys=True, ensure_ascii=False) + "\n" + article.text)


def article_record(article: Article, digest: str, passages: int) -> dict:
    """An article's line in articles.jsonl."""
    return {**article.meta.to_json(), "text": article.text, "digest": digest, "passages": passages}
