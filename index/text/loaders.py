"""Reading a corpus: files and folders of articles into cleaned `Article` records.

Formats, by file name:
  .txt            a news page saved as text, cleaned by `cleaning.parse_scraped_page`
  .md             the same, with the first "# " heading as title
  .html, .htm     main text and metadata extracted by trafilatura
  .jsonl          one article per line: `_id` or `id`, `text`, optional `title`, `url`, `date`,
                  `source`, `byline` (the layout of BEIR sets)

A sidecar `NAME.meta.toml` next to `NAME.EXT` supplies or corrects `title`, `outlet`, `url`,
`date` and `byline` (for a .jsonl file: fills them where a record has none).

A file that cannot be read (binary, empty, undecodable, unreadable, a malformed JSON line, a
field of the wrong type) is skipped with a warning naming it; a sidecar key of the wrong type is
ignored with a warning; the rest of the corpus loads. Symbolic links under a corpus folder that
lead out of it are skipped with a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

from ..documents import Article, ArticleMeta
from ..errors import ConfigError
from .cleaning import BYLINE, clean_text, parse_date, parse_scraped_page, read_markdown_header

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
SIDECAR_SUFFIX = ".meta.toml"
SIDECAR_KEYS = frozenset({"title", "outlet", "url", "date", "byline"})
JSONL_TEXT_FIELDS = ("text", "title", "url", "date", "source", "byline")
"""Record fields that must be strings (or null, or absent) in a .jsonl corpus."""

# Outlets named by their web domain, for records that carry only a URL.
OUTLETS_BY_DOMAIN = {
    "cnn.com": "CNN",
    "usatoday.com": "USA Today",
    "theweek.com": "The Week",
    "theweek.co.uk": "The Week",
    "upi.com": "UPI",
    "reuters.com": "Reuters",
    "apnews.com": "AP",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "theguardian.com": "The Guardian",
}


@dataclass
class CorpusLoad:
    """The articles read from a corpus, and a warning for each file or line that was skipped."""

    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class SkipFile(Exception):
    """A file (or line) that cannot be used; its message names the problem."""


def load_corpus(paths: Iterable[str | Path]) -> CorpusLoad:
    """Load every article under `paths` (files or folders, searched recursively)."""
    result = CorpusLoad()
    seen: set[str] = set()
    for root in map(Path, paths):
        if not root.exists():
            raise ConfigError(f"corpus path {root} does not exist", "fix the path in [corpus] paths or --corpus")
        for path, doc_prefix in _article_files(root, result.warnings):
            try:
                for article in _load_file(path, doc_prefix, result.warnings):
                    if article.doc_id in seen:
                        result.warnings.append(
                            f"{path}: skipped article {article.doc_id!r}: that id is already in the corpus"
                        )
                        continue
                    seen.add(article.doc_id)
                    result.articles.append(article)
            except SkipFile as skip:
                result.warnings.append(f"{path}: skipped: {skip}")
    for warning in result.warnings:
        log.warning("%s", warning)
    return result


def load_corpus_file(path: Path, root: Path) -> CorpusLoad:
    """The articles of one file of the corpus folder `root`, with the ids a load of the whole folder gives them."""
    result = CorpusLoad()
    try:
        result.articles.extend(_load_file(path, path.relative_to(root).with_suffix("").as_posix(), result.warnings))
    except SkipFile as skip:
        result.warnings.append(f"{path}: skipped: {skip}")
    return result


def _article_files(root: Path, warnings: list[str]) -> Iterator[tuple[Path, str]]:
    """Article files under root, in a stable order, each with the id its articles are named by.

    A symbolic link (to a file or a folder) that leads out of root is skipped with a warning;
    links that stay inside are read like the files they lead to (folders are not descended into).
    """
    if root.is_file():
        yield root, root.with_suffix("").name
        return
    real_root = root.resolve()
    for path in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.is_symlink() and not _stays_inside(path, real_root):
            warnings.append(f"{path}: skipped: a symbolic link to a place outside {root}")
            continue
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
            yield path, path.relative_to(root).with_suffix("").as_posix()


def _stays_inside(path: Path, real_root: Path) -> bool:
    """False for a link (or a path through a link) that leads out of the folder `real_root`."""
    try:
        return path.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # a loop of links
        return False


def _load_file(path: Path, doc_id: str, warnings: list[str]) -> Iterator[Article]:
    """The file's articles, with no control character in their text or metadata (a NUL breaks
    PostgreSQL, and none belongs in a citation)."""
    for article in _read_file(path, doc_id, warnings):
        yield _printable(article)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
"""Control characters but tab and line feed, the bidirectional controls that can make a title read
backwards (U+202E) or disguise what follows it, and invisible spaces (U+200B, U+2060, U+FEFF); the
zero-width joiners that languages and emoji need stay."""
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad]")
"""In an article's text: C0 controls but tab, line feed and carriage return, DEL (a NUL breaks PostgreSQL), and
soft hyphens (web pages hide them inside words: "fl&shy;our" is "flour" to a reader and must be to a search)."""
ONE_LINE_FIELDS = ("doc_id", "title", "outlet", "url", "byline")


def _printable(article: Article) -> Article:
    meta = article.meta
    fields = {
        name: " ".join(CONTROL.sub(" ", value).split())
        for name in ONE_LINE_FIELDS
        if isinstance(value := getattr(meta, name), str) and (CONTROL.search(value) or "\t" in value or "\n" in value)
    }
    if "doc_id" in fields:  # an id stays an id: its control characters are marked, not dropped
        fields["doc_id"] = CONTROL.sub("_", meta.doc_id.replace("\t", "_").replace("\n", "_"))
    if "title" in fields and not fields["title"]:  # nothing left of it: the title an untitled article gets
        fields["title"] = _title_from_id(fields.get("doc_id", meta.doc_id))
    for name in ("outlet", "url", "byline"):
        if name in fields and not fields[name]:
            fields[name] = None  # type: ignore[assignment]  # unknown, as an empty value means
    text = TEXT_CONTROL.sub("", article.text) if TEXT_CONTROL.search(article.text) else article.text
    if not fields and text is article.text:
        return article
    return Article(meta=replace(meta, **fields), text=text)  # type: ignore[arg-type]  # only str fields are replaced


def _read_file(path: Path, doc_id: str, warnings: list[str]) -> Iterator[Article]:
    sidecar = _read_sidecar(path, warnings)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _load_jsonl(path, sidecar, warnings)
        return
    raw = _read_text(path)
    if suffix in (".html", ".htm"):
        meta, text = _from_html(raw, doc_id)
    elif suffix == ".md":
        meta, text = _from_markdown(raw, doc_id)
    else:
        page = parse_scraped_page(raw)
        meta = ArticleMeta(
            doc_id=doc_id,
            title=page.title or _title_from_id(doc_id),
            outlet=page.outlet,
            date=page.date,
            byline=page.byline,
        )
        text = page.text
    if not text.strip():
        raise SkipFile("no article text left after cleaning")
    meta = replace(_apply_sidecar(meta, sidecar, overwrite=True), source_path=str(path))
    yield Article(meta=meta, text=text)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SkipFile(f"cannot read it ({error.strerror or error})") from None
    if not data.strip():
        raise SkipFile("the file is empty")
    if b"\x00" in data[:8192]:
        raise SkipFile("the file is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SkipFile(f"not UTF-8 text (byte {error.start}); save it as UTF-8") from None


def _from_html(raw: str, doc_id: str) -> tuple[ArticleMeta, str]:
    import trafilatura

    document = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, favor_precision=True)
    if isinstance(document, dict):  # as_dict=True would give a dict: not asked for here
        raise TypeError("trafilatura gave a dict where a Document was asked for")
    if document is None or not (document.text or "").strip():
        raise SkipFile("trafilatura found no article text in this page")
    meta = ArticleMeta(
        doc_id=doc_id,
        title=document.title or _title_from_id(doc_id),
        outlet=document.sitename or _outlet_from_url(document.url),
        url=document.url,
        date=parse_date(document.date) if document.date else None,
        byline=document.author,
    )
    return meta, clean_text("\n\n".join(_story_lines(document.text or "", meta)))


def _story_lines(text: str, meta: ArticleMeta) -> list[str]:
    """trafilatura's lines are the page's paragraphs: each stays one, without the title and byline it
    repeats at the top (they are the citation's, not the story's)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    while lines and (
        lines[0].casefold() == meta.title.casefold()
        or (len(lines[0]) < 80 and BYLINE.match(lines[0]) and not lines[0].endswith("."))
    ):
        lines.pop(0)
    return lines


def _from_markdown(raw: str, doc_id: str) -> tuple[ArticleMeta, str]:
    lines = raw.splitlines()
    title = None
    for position, line in enumerate(lines):
        if line.startswith("# "):
            title = line[2:].strip()
            del lines[position]
            break
    page = parse_scraped_page("\n".join(lines)) if title is None else None
    if page is not None:
        return ArticleMeta(
            doc_id=doc_id,
            title=page.title or _title_from_id(doc_id),
            outlet=page.outlet,
            date=page.date,
            byline=page.byline,
        ), page.text
    byline, date, outlet, body = read_markdown_header(lines[position:])
    return (
        ArticleMeta(doc_id=doc_id, title=title or _title_from_id(doc_id), outlet=outlet, date=date, byline=byline),
        clean_text("\n".join(lines[:position] + body)),
    )


def _load_jsonl(path: Path, sidecar: dict, warnings: list[str]) -> Iterator[Article]:
    raw = _read_text(path)
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            warnings.append(f"{path}:{number}: skipped line: malformed JSON ({error.msg})")
            continue
        if not isinstance(record, dict):
            warnings.append(f"{path}:{number}: skipped line: expected a JSON object")
            continue
        problem = _record_problem(record)
        if problem:
            warnings.append(f"{path}:{number}: skipped line: {problem}")
            continue
        doc_id = _clean_string(str(record.get("_id", record.get("id"))))
        text = _clean_string(record["text"])
        url = _clean_string(record.get("url") or "").strip() or None
        date = None
        if record.get("date"):
            date = parse_date(_clean_string(record["date"]).replace("/", "-"))
        meta = ArticleMeta(
            doc_id=doc_id,
            title=_clean_string(record.get("title") or "").strip() or _title_from_url(url) or _title_from_text(text),
            outlet=_clean_string(record.get("source") or "").strip() or _outlet_from_url(url),
            url=url,
            date=date or _date_from_url(url),
            byline=_clean_string(record.get("byline") or "").strip() or None,
            source_path=f"{path}:{number}",
        )
        yield Article(meta=_apply_sidecar(meta, sidecar, overwrite=False), text=clean_text(text))


def _json_type(value: object) -> str:
    """What a JSON value is, as a warning names it: "a list", "an object"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    names: dict[type, str] = {str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _record_problem(record: dict) -> str | None:
    """Why a .jsonl record cannot be used, or None when it can."""
    key = "_id" if "_id" in record else "id"
    doc_id = record.get(key)
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, (str, int))):
        return f'"{key}" must be a string or an integer, not {_json_type(doc_id)}'
    for name in JSONL_TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f'"{name}" must be a string, not {_json_type(value)}'
    if doc_id is None or not isinstance(record.get("text"), str) or not record["text"].strip():
        return 'needs "_id" (or "id") and a non-empty "text"'
    if not str(doc_id).strip():
        return f'"{key}" must not be empty'
    return None


def _clean_string(text: str) -> str:
    """Text that can be written as UTF-8: lone surrogates (JSON allows "\\ud800") become U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


TOML_TYPES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    list: "an array",
    dict: "a table",
    dt.datetime: "a date-time",
    dt.date: "a date",
    dt.time: "a time",
}


def _read_sidecar(path: Path, warnings: list[str]) -> dict:
    sidecar_path = path.with_name(path.with_suffix("").name + SIDECAR_SUFFIX)
    if sidecar_path.is_symlink():  # it could lead anywhere: its values would be shown to everyone
        warnings.append(f"{sidecar_path}: ignored: a sidecar must be a file of its own, not a link")
        return {}
    if not sidecar_path.exists():
        return {}
    try:
        values = tomllib.loads(sidecar_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        warnings.append(f"{sidecar_path}: ignored: not valid TOML ({error})")
        return {}
    except OSError as error:
        warnings.append(f"{sidecar_path}: ignored: cannot read it ({error.strerror or error})")
        return {}
    for key in sorted(set(values) - SIDECAR_KEYS):
        warnings.append(f"{sidecar_path}: ignored unknown key {key!r} (allowed: {', '.join(sorted(SIDECAR_KEYS))})")
        del values[key]
    for key in sorted(set(values) - {"date"}):
        value = values[key]
        if not isinstance(value, str):
            warnings.append(
                f"{sidecar_path}: ignored {key}: it must be a string, not "
                f"{TOML_TYPES.get(type(value), type(value).__name__)}"
            )
            del values[key]
        elif key == "title" and not value.strip():
            warnings.append(f"{sidecar_path}: ignored title: it is empty")
            del values[key]
        else:
            values[key] = _clean_string(value).strip() or None
    if "date" in values:
        date = values["date"]
        if isinstance(date, dt.datetime):
            values["date"] = date.date()
        elif isinstance(date, str) and parse_date(date):
            values["date"] = parse_date(date)
        elif type(date) is not dt.date:
            shown = repr(date) if isinstance(date, str) else date
            warnings.append(f"{sidecar_path}: ignored date {shown}: write it as 2021-07-20")
            del values["date"]
    return values


def _apply_sidecar(meta: ArticleMeta, sidecar: dict, *, overwrite: bool) -> ArticleMeta:
    updates = {key: value for key, value in sidecar.items() if overwrite or not getattr(meta, key)}
    return replace(meta, **updates) if updates else meta


def _outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlparse(url).hostname or "").removeprefix("www.")
    except ValueError:  # "http://[::1" and the like
        return None
    for domain, outlet in OUTLETS_BY_DOMAIN.items():
        if host == domain or host.endswith("." + domain):
            return outlet
    return host or None


URL_DATE = re.compile(r"/(20\d\d|19\d\d)/(\d\d)/(\d\d)/")


def _date_from_url(url: str | None) -> dt.date | None:
    """News URLs often carry the publication day: /2022/06/12/."""
    match = URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _title_from_url(url: str | None) -> str | None:
    """A readable title from a URL's slug ("squid-game-season-2" -> "Squid game season 2")."""
    if not url:
        return None
    try:
        segments = [s for s in urlparse(url).path.split("/") if s and not s.startswith("index.")]
    except ValueError:
        return None
    slug = next((s for s in reversed(segments) if "-" in s and not s.isdigit()), None)
    if slug is None:
        return None
    words = re.sub(r"\.\w+$", "", slug).replace("_", "-").split("-")
    title = " ".join(word for word in words if word)
    return title[:1].upper() + title[1:] if title else None


def _title_from_id(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1].replace("_", " ").replace("-", " ")


def _title_from_text(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."
