"""The one answer builder every front end shares.

From a question and the index it makes an `Answer`: the best passages, each with the sentence or
sentences that best match the question marked, numbered citations, and, when no passage is close
enough, an abstention that names the closest articles instead. Passages that say the same thing
(the same sentence in two articles, or overlapping passages of one) are shown once and cite every
article they came from. Rendering is left to the front ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import ArticleMeta, Hit, NewsIndex, SearchFilters, SearchMode, sentence_spans
from index.answer_scores import answer_scores

CANDIDATES_PER_PASSAGE = 3
"""Search this many hits per passage wanted, so that duplicates can be merged away. Candidates
are highlighted (one model call per few) only until the answer has its k passages."""
HIGHLIGHT_MARGIN = 0.05
"""A second sentence is marked too when its similarity is within this margin of the best one."""
SAME_SENTENCE = 0.5
"""Two sentences say the same thing when this share of the shorter one's word 4-grams is in the other."""


@dataclass(frozen=True)
class Citation:
    number: int
    article: ArticleMeta


@dataclass
class Passage:
    hit: Hit
    highlights: list[tuple[int, int]]
    """Character spans within `text` of the sentences that best match the question."""
    citations: list[int] = field(default_factory=list)
    """Numbers of the citations this passage is quoted from (several when it was merged)."""
    merged: list[Hit] = field(default_factory=list)
    """Other hits that say the same thing."""

    @property
    def text(self) -> str:
        return self.hit.passage


@dataclass
class Answer:
    question: str
    passages: list[Passage]
    citations: list[Citation]
    abstained: bool
    closest: list[ArticleMeta] = field(default_factory=list)
    """When abstaining: the articles nearest to the question, best first."""
    filters: SearchFilters = field(default_factory=SearchFilters)
    """The filters the question was searched with (source, since, before)."""

    def citation(self, number: int) -> Citation:
        return self.citations[number - 1]


def build_answer(
    index: NewsIndex,
    question: str,
    *,
    k: int = 3,
    min_answer_score: float = 0.6,
    mode: SearchMode = "hybrid",
    filters: SearchFilters = SearchFilters(),
) -> Answer:
    question = question.strip()
    hits = index.search(question, k=k * CANDIDATES_PER_PASSAGE, mode=mode, filters=filters)
    scores = answer_scores(index, question, hits)
    relevant = [hit for hit, score in zip(hits, scores) if score >= min_answer_score]
    if not relevant:
        closest = [hit for _, hit in sorted(zip(scores, hits), key=lambda pair: pair[0], reverse=True)]
        return Answer(question, [], [], abstained=True, closest=_unique_articles(closest)[:3], filters=filters)

    passages: list[Passage] = []
    sentence_keys: list[list[set[tuple[str, ...]]]] = []  # per passage, per sentence: its 4-grams
    position = 0
    while position < len(relevant) and len(passages) < k:
        # highlight a few candidates per model call: enough to fill the answer if none is a duplicate
        batch = relevant[position : position + k - len(passages) + 1]
        position += len(batch)
        for hit, (spans, highlights) in zip(batch, _best_sentences(index, question, batch)):
            grams = [_four_grams(hit.passage[s:e]) for s, e in spans]
            best_grams = [_four_grams(hit.passage[s:e]) for s, e in highlights]
            duplicate_of = next(
                (i for i, kept in enumerate(sentence_keys) if any(_same(b, g) for b in best_grams for g in kept)), None
            )
            if duplicate_of is not None:
                passages[duplicate_of].merged.append(hit)
            elif len(passages) < k:
                passages.append(Passage(hit, highlights))
                sentence_keys.append(grams)

    citations: list[Citation] = []
    numbers: dict[str, int] = {}
    for passage in passages:
        for hit in [passage.hit, *passage.merged]:
            doc_id = hit.article.doc_id
            if doc_id not in numbers:
                numbers[doc_id] = len(citations) + 1
                citations.append(Citation(numbers[doc_id], hit.article))
            if numbers[doc_id] not in passage.citations:
                passage.citations.append(numbers[doc_id])
    return Answer(question, passages, citations, abstained=False, filters=filters)


def _best_sentences(
    index: NewsIndex, question: str, hits: list[Hit]
) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """Per hit: its sentence spans, and the one or two that match the question best (one model call)."""
    spans_per_hit = [sentence_spans(hit.passage) or [(0, len(hit.passage))] for hit in hits]
    sentences = [hit.passage[s:e] for hit, spans in zip(hits, spans_per_hit) for s, e in spans]
    scores = iter(index.similarities(question, sentences))
    result = []
    for spans in spans_per_hit:
        hit_scores = [next(scores) for _ in spans]
        ranked = sorted(range(len(spans)), key=lambda i: hit_scores[i], reverse=True)[:2]
        marked = [spans[i] for i in ranked if hit_scores[i] >= hit_scores[ranked[0]] - HIGHLIGHT_MARGIN]
        result.append((spans, sorted(marked)))
    return result


def _unique_articles(hits: list[Hit]) -> list[ArticleMeta]:
    seen: dict[str, ArticleMeta] = {}
    for hit in hits:
        seen.setdefault(hit.article.doc_id, hit.article)
    return list(seen.values())


WORD = re.compile(r"\w+")


def _four_grams(sentence: str) -> set[tuple[str, ...]]:
    words = WORD.findall(sentence.lower())
    if len(words) < 4:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def _same(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    if not a or not b:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter & longer) / len(shorter) >= SAME_SENTENCE


def format_date(article: ArticleMeta) -> str | None:
    """"20 July 2021", as the citation shows it."""
    return f"{article.date.day} {article.date:%B %Y}" if article.date else None


def citation_text(article: ArticleMeta) -> str:
    """"Title, Outlet, 20 July 2021, <url>", leaving out what is unknown."""
    parts = [article.title, article.outlet, format_date(article), article.url]
    return ", ".join(part for part in parts if part)
