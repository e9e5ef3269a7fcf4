"""The one answer builder every front end shares.

From a question and the index it makes an `Answer`: the best passages, each with the sentence or
sentences that best match the question marked, and numbered citations; or, when the articles do
not answer it (the decision is `index.answerability.judge`), an abstention with a spelling fix
drawn from the corpus's words, the closest articles and a hint. A question that is answered only
once its misspelt words are fixed is answered, saying what was searched for. Passages that say
the same thing (the same sentence in two articles, or overlapping passages of one) are shown once
and cite every article they came from. Rendering is left to the front ends.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from index import (
    PASSAGES_PER_ANSWER,
    ArticleMeta,
    Hit,
    Judgement,
    NewsIndex,
    Reader,
    SearchFilters,
    SearchMode,
    SentenceReader,
    TimeWindow,
    asks_for_recent,
    judge,
    passage_sentences,
)

CANDIDATES_PER_PASSAGE = 3
"""Search this many hits per passage wanted, so that duplicates can be merged away. Candidates
are highlighted only until the answer has its k passages."""
HIGHLIGHT_MARGIN = 0.05
"""A second sentence is marked too when its similarity is within this margin of the best one."""
COVERAGE_MARGIN = 0.1
"""Sentences whose share of the question's content words is within this of their passage's best are
compared by similarity; a sentence ahead of all others by more is marked without embedding any."""
SAME_SENTENCE = 0.5
"""Two sentences say the same thing when this share of the shorter one's word 4-grams is in the other."""


OLD_NEWS_DAYS = 30
"""A question asking for the latest is told how old the newest answering article is when it is older than this."""

NOT_COVERED = "The articles I have don't cover this."
"""What every front end says first when the articles do not answer the question."""


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
    score: float = 0.0
    """The answer decision's passage score (similarity plus coverage of the question): passages are
    quoted in its order, best first."""

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
    searched_for: str | None = None
    """When answered only once misspelt words were fixed: the question as searched."""
    did_you_mean: str | None = None
    """When abstaining: the question with its misspelt words fixed, if any were."""
    missing: list[str] = field(default_factory=list)
    """When abstaining: names and numbers of the question that the closest article lacks."""
    follows: str | None = None
    """For a follow-up: the question it follows, searched together with it."""
    filtered_out: bool = False
    """When abstaining: the filters admit no article at all (the reason, whatever the question)."""
    cut: bool = False
    """The question was longer than the front ends read (MAX_QUESTION_CHARS): only its start was searched."""
    time_window: TimeWindow | None = None
    """The window of dates the question's words gave ("last week"), which `filters` carry: said with the answer."""
    newest: ArticleMeta | None = None
    """When the filters admit no article: the newest dated article there is, to name instead."""
    recency: str | None = None
    """When the question asks for the latest: that the passages are newest first, and how old the newest is
    when it is old ("newest first; the newest article that answers is from 19 July 2017 (9 years ago)")."""
    outside_window: bool = False
    """Nothing published in `time_window` answers: these passages are from other dates (said with them)."""

    def citation(self, number: int) -> Citation:
        return self.citations[number - 1]


def build_answer(
    index: NewsIndex,
    question: str,
    *,
    k: int = PASSAGES_PER_ANSWER,
    min_answer_score: float | None = None,
    mode: SearchMode = "hybrid",
    filters: SearchFilters = SearchFilters(),
    reader: Reader = "answer-type",
    sentence_reader: SentenceReader | None = None,
    today: dt.date | None = None,
    latest_first: bool = True,
) -> Answer:
    """The answer to a question; `min_answer_score` overrides the corpus's own threshold; `reader` is
    how the decision reads a passage against the question (`index.judge`), with `sentence_reader` for
    the "cross-encoder" reader."""
    question = question.strip()
    hits = index.search(question, k=k * CANDIDATES_PER_PASSAGE, mode=mode, filters=filters)
    judgement = judge(index, question, hits, min_answer_score, reader, sentence_reader)
    searched_for = fixed = None
    if not judgement.answered and (fixed := index.spelling().fix(question)):
        fixed_hits = index.search(fixed, k=k * CANDIDATES_PER_PASSAGE, mode=mode, filters=filters)
        fixed_judgement = judge(index, fixed, fixed_hits, min_answer_score, reader, sentence_reader)
        hits, judgement = fixed_hits, fixed_judgement  # closest articles too are those of what was meant
        searched_for = fixed if judgement.answered else None
    if not judgement.answered:
        filtered_out = bool(filters) and not any(filters.admits(meta) for meta in index.articles.values())
        dated = (
            [meta for meta in index.articles.values() if meta.date]
            if filtered_out and (filters.since or filters.before)
            else []
        )
        newest = max(dated, key=lambda meta: (meta.date, meta.doc_id)) if dated else None
        return Answer(
            question,
            [],
            [],
            abstained=True,
            closest=judgement.closest_articles(hits),
            filters=filters,
            did_you_mean=fixed,
            missing=judgement.missing,
            filtered_out=filtered_out,
            newest=newest,
        )

    asked = searched_for or question
    relevant = judgement.quotable
    recent_first = latest_first and asks_for_recent(question)
    if recent_first:  # "latest": among the passages that answer, the newest article's first (undated last)
        relevant = sorted(relevant, key=lambda hit: hit.article.date or dt.date.min, reverse=True)
    score_of = {id(hit): score for hit, score in zip(hits, judgement.scores)}
    passages: list[Passage] = []
    sentence_keys: list[list[set[tuple[str, ...]]]] = []  # per passage, per sentence: its 4-grams
    position = 0
    while position < len(relevant) and len(passages) < k:
        # highlight as many candidates per model call as the answer still lacks (duplicates are rare)
        batch = relevant[position : position + k - len(passages)]
        position += len(batch)
        for hit, (spans, highlights) in zip(batch, best_sentences(index, asked, judgement, batch)):
            grams = [four_grams(hit.passage[s:e]) for s, e in spans]
            best_grams = [four_grams(hit.passage[s:e]) for s, e in highlights]
            duplicate_of = next(
                (
                    i
                    for i, kept in enumerate(sentence_keys)
                    if any(says_the_same(b, g) for b in best_grams for g in kept)
                ),
                None,
            )
            if duplicate_of is not None:
                passages[duplicate_of].merged.append(hit)
            elif len(passages) < k:
                passages.append(Passage(hit, highlights, score=score_of.get(id(hit), 0.0)))
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
    recency = None
    if recent_first:
        dates = [c.article.date for c in citations if c.article.date]
        today = today or dt.datetime.now(dt.UTC).date()
        latest = max(dates) if dates else None
        recency = "Newest first" + (
            f"; the newest article that answers is from {latest.day} {latest:%B %Y} ({age(latest, today)})"
            if latest and (today - latest).days > OLD_NEWS_DAYS
            else ""
        )
    return Answer(
        question, passages, citations, abstained=False, filters=filters, searched_for=searched_for, recency=recency
    )


def best_sentences(
    index: NewsIndex, question: str, judgement: Judgement, hits: list[Hit]
) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """Per hit: its sentence spans, and the one or two that match the question best. When the decision
    found the sentences that hold the answer the question asks for (`judgement.answering`, by passage
    id), the marked ones are among them; the passages it split are not split again.

    Sentences are first held against the question's content words (`judgement.terms`: IDF-weighted, as
    the answer decision weighed them); only those within COVERAGE_MARGIN of a passage's best are embedded
    (one model call for all hits), and none when one sentence leads alone. Embedding every sentence cost
    36 ms of a 58 ms answer on realtimeqa-dev (docs/performance.md)."""
    terms = judgement.terms
    spans_per_hit = [judgement.sentences.get(hit.chunk.chunk_id) or passage_sentences(hit.passage) for hit in hits]
    sentences = [[hit.passage[s:e] for s, e in spans] for hit, spans in zip(hits, spans_per_hit)]
    held = iter(index.passage_terms([text for texts in sentences for text in texts]))
    candidates = []
    for hit, spans, texts in zip(hits, spans_per_hit, sentences):
        coverage = [terms.coverage(set(next(held))) for _ in texts]
        holding = set(judgement.answering.get(hit.chunk.chunk_id, ()))
        allowed = [i for i, span in enumerate(spans) if span in holding] or list(range(len(texts)))
        best = max(coverage[i] for i in allowed)
        candidates.append([i for i in allowed if coverage[i] >= best - COVERAGE_MARGIN] if best > 0 else allowed)
    to_embed = [texts[i] for texts, chosen in zip(sentences, candidates) if len(chosen) > 1 for i in chosen]
    similarities = iter(index.similarities(question, to_embed))
    result = []
    for spans, chosen in zip(spans_per_hit, candidates):
        if len(chosen) == 1:
            result.append((spans, [spans[chosen[0]]]))
            continue
        scores = {i: next(similarities) for i in chosen}
        ranked = sorted(chosen, key=lambda i: scores[i], reverse=True)[:2]
        marked = [spans[i] for i in ranked if scores[i] >= scores[ranked[0]] - HIGHLIGHT_MARGIN]
        result.append((spans, sorted(marked)))
    return result


WORD = re.compile(r"\w+")


def four_grams(sentence: str) -> set[tuple[str, ...]]:
    words = WORD.findall(sentence.lower())
    if len(words) < 4:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def says_the_same(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    if not a or not b:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter & longer) / len(shorter) >= SAME_SENTENCE


def abstention_hint(answer: Answer) -> str:
    """What to try next, for an answer that abstained."""
    if answer.filtered_out:
        newest = f" The newest is from {format_date(answer.newest)}." if answer.newest else ""
        if answer.time_window is not None:
            window = answer.time_window
            source = f" by {answer.filters.source}" if answer.filters.source else ""
            return f"No article{source} was published {window.span()} (“{window.phrase}”).{newest} Ask without the date, or another."
        return f"No article matches the filters ({answer.filters.describe()}).{newest} Try again without them, or with others."
    if answer.missing:
        named = ", ".join(f"“{_shortened(word)}”" for word in answer.missing[:4])
        lead = f"The closest article never mentions {named}. "
    else:
        lead = ""
    if answer.time_window is not None and not answer.filters.source:
        return lead + "Try other words, or ask without the time."
    if answer.filters:
        return lead + "Try again without the filters, or with other words."
    return lead + "Try other words, or narrow the search with source:, since: or before:."


CUT_NOTE = "(only the question's first 2,000 characters were read)"
ECHO_CHARS = 200
"""A question repeated back to its asker (did you mean, searched for) is shown up to this long."""


def echo(text: str) -> str:
    return text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1].rstrip() + "…"


def format_date(article: ArticleMeta) -> str | None:
    """ "20 July 2021", as the citation shows it."""
    return f"{article.date.day} {article.date:%B %Y}" if article.date else None


def citation_text(article: ArticleMeta, today: dt.date | None = None) -> str:
    """ "Title, Outlet, 20 July 2021, <url>", leaving out what is unknown; with `today`, the date's age too
    ("20 July 2021 (5 years ago)")."""
    date = format_date(article)
    if date and today is not None and article.date is not None:
        date = f"{date} ({age(article.date, today)})"
    parts = [article.title, article.outlet, date, article.url]
    return ", ".join(part for part in parts if part)


def age(date: dt.date, today: dt.date) -> str:
    """How long ago, in words: "today", "yesterday", "3 days ago", "2 weeks ago", "4 months ago", "5 years ago"."""
    days = (today - date).days
    if days < 0:
        return "ahead of today"
    for limit, size, unit in ((1, 1, ""), (2, 1, ""), (14, 1, "day"), (60, 7, "week"), (730, 30, "month")):
        if days < limit:
            if not unit:
                return "today" if days == 0 else "yesterday"
            count = days // size
            return f"{count} {unit}{'s' * (count != 1)} ago"
    years = days // 365
    return f"{years} years ago"


def window_note(answer: Answer) -> str | None:
    """What the answer searched, when the question's words gave a window: "Searching articles published in 2017 (...)"."""
    return f"Searching {answer.time_window.describe()}" if answer.time_window else None


def filters_note(answer: Answer) -> str | None:
    """The note every front end shows of what narrowed the search (the window in words, else the filters),
    and of the order when the question asked for the latest."""
    notes = [note for note in (_narrowed(answer), answer.recency) if note]
    return " · ".join(notes) if notes else None


def _narrowed(answer: Answer) -> str | None:
    if answer.time_window is not None and answer.outside_window:
        window = answer.time_window
        return f"Nothing published {window.span()} (“{window.phrase}”) answers this: quoting other dates"
    if answer.time_window is not None:
        source = f" · source: {answer.filters.source}" if answer.filters.source else ""
        return f"{window_note(answer)}{source}"
    return f"filters: {answer.filters.describe()}" if answer.filters else None


LONGEST_WORD_SHOWN = 40
"""A word of the question named in a hint is cut to this many characters: a 2,000-character "word" is no name."""


def _shortened(word: str) -> str:
    return word if len(word) <= LONGEST_WORD_SHOWN else word[: LONGEST_WORD_SHOWN - 1] + "…"
