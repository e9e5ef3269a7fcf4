"""Whether the passages found answer the question: the answer decision, its features and its threshold.

This module is the one place the decision lives; the answer builder, `newsbot eval --abstention`
and the build (which calibrates it) all call it. How it was chosen, and what each alternative did,
is measured in docs/quality.md.

A passage's score is its cosine similarity to the question plus COVERAGE_WEIGHT x the share of the
question's content words (IDF-weighted, stemmed; question words such as "what" or "say" left out)
that the passage and its title contain. A passage may be quoted when

  1. it scores at least the corpus's threshold, and
  2. its article holds the question's key terms: its numbers and the names it
     capitalises ("How much rice did China send?" is not answered by an article on Russian flour,
     however close the wording; "2021" counts as held by an article dated 2021). Key terms it
     lacks may carry at most MAX_MISSING_KEY_SHARE of the question's IDF weight, so that one common
     word ("American" in an article that says "U.S.") does not refuse an answer.

and the question is answered when some passage may be quoted.

The threshold adapts to the corpus. When an index is built, the BACKGROUND_QUESTIONS (questions on
every domain, places and years that a corpus almost never answers: index/background_questions.txt)
are asked of it, and the threshold is the larger of BASE_THRESHOLD and their BACKGROUND_QUANTILE-th
best score plus BACKGROUND_MARGIN: a corpus of thousands of articles, where some passage shares
the rare words of most questions, needs a higher score than two articles do. The result is
recorded in the version's manifest (`answerability`), so the bot, the REPL and the CLI decide
alike; `[search] min_answer_score` overrides the threshold when set.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from weakref import WeakKeyDictionary

import numpy as np

from .documents import ArticleMeta, Hit
from .lexical import tokenize

COVERAGE_WEIGHT = 0.5
BASE_THRESHOLD = 0.6
"""The least score a passage needs on any corpus (the seeds' and other small corpora's threshold)."""
BACKGROUND_QUANTILE = 0.95
BACKGROUND_MARGIN = 0.09
MAX_MISSING_KEY_SHARE = 0.2
SHORTEST_STEM_PREFIX = 5
CARRY_OVER_SHARE = 0.02
"""A build keeps the version in use's calibration while under this share of passages has changed since."""
BACKGROUND_SEARCH_K = 9
"""Hits per background question: as many as the answer builder searches for k = 3."""
METHOD = (f"background-v1: max({BASE_THRESHOLD}, q{round(BACKGROUND_QUANTILE * 100)} + {BACKGROUND_MARGIN}), "
          f"coverage weight {COVERAGE_WEIGHT}")
"""Recorded with each calibration: one made by another method or other settings is made again when
the index is opened (it takes a few seconds), so changing a constant here needs no rebuild."""

QUESTION_WORDS = frozenset(tokenize(
    "what which who whom whose when where why how much many did do does done say says said tell told "
    "is are was were be been there according"
))
"""Stemmed words that make a sentence a question but say nothing of its subject."""
KEY_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
NOT_KEY = frozenset(tokenize(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december"
))
"""Capitalised by convention, not names: an article says "this week" rather than the weekday."""


@dataclass(frozen=True)
class Calibration:
    """What the build learned about the corpus: the threshold, and the background it came from."""

    threshold: float
    background: dict[str, float] = field(default_factory=dict)
    """Quantiles of the background questions' best scores ("q50", "q90", ...) and their count ("questions")."""
    passages: int = 0
    """Passages in the index when it was measured."""
    changed: int = 0
    """Passages added or removed since (a build measures again once they pass CARRY_OVER_SHARE)."""
    method: str = METHOD

    def to_json(self) -> dict:
        return {"method": self.method, "threshold": round(self.threshold, 4),
                "background": {name: round(value, 4) for name, value in self.background.items()},
                "passages": self.passages, "changed": self.changed}

    def carried_over(self, changed: int) -> Calibration | None:
        """This calibration for a version that adds or removes `changed` passages, if so few that the
        background would barely move (measuring again costs a second or two on a large corpus)."""
        if self.changed + changed > CARRY_OVER_SHARE * self.passages:
            return None
        return dataclasses.replace(self, changed=self.changed + changed)

    @classmethod
    def from_json(cls, record: object) -> Calibration | None:
        """The recorded calibration, or None when it is missing, malformed or made by another method."""
        if not isinstance(record, dict) or record.get("method") != METHOD:
            return None
        threshold, background = record.get("threshold"), record.get("background", {})
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not isinstance(background, dict):
            return None
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in background.values()):
            return None
        passages, changed = record.get("passages", 0), record.get("changed", 0)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (passages, changed)):
            return None
        return cls(float(threshold), {str(k): float(v) for k, v in background.items()}, passages, changed)


@dataclass(frozen=True)
class Judgement:
    answered: bool
    scores: list[float]
    """Each hit's passage score, in the order of the hits."""
    quotable: list[Hit]
    """The hits that may be quoted (best first): those scoring at least the threshold, from
    articles that hold the question's key terms. Empty when the question is not answered."""
    threshold: float
    missing: list[str]
    """Key terms of the question that the best-scoring passage's article lacks, as the question writes them."""

    def closest_articles(self, hits: Sequence[Hit], limit: int = 3) -> list[ArticleMeta]:
        """The articles of the hits, best passage score first, each once."""
        ranked = sorted(zip(self.scores, range(len(hits))), key=lambda pair: (-pair[0], pair[1]))
        seen: dict[str, ArticleMeta] = {}
        for _, position in ranked:
            seen.setdefault(hits[position].article.doc_id, hits[position].article)
        return list(seen.values())[:limit]


class QuestionTerms:
    """A question's content terms with their IDF weights, and its key terms (numbers and names)."""

    def __init__(self, question: str, idf) -> None:
        terms = [term for term in dict.fromkeys(tokenize(question)) if term not in QUESTION_WORDS]
        self.weights = {term: idf(term) for term in terms}
        self.total = sum(self.weights.values())
        self.key_terms = _key_terms(question, set(terms))

    def coverage(self, text_terms: set[str]) -> float:
        """The IDF-weighted share of the question's content terms among these terms, from 0 to 1."""
        if not self.total:
            return 0.0
        return sum(weight for term, weight in self.weights.items() if _held(term, text_terms)) / self.total

    def missing_keys(self, text_terms: set[str]) -> tuple[list[str], float]:
        """The key terms absent from these terms (as the question writes them), and their share of its weight."""
        missing = [term for term in self.key_terms if not _held(term, text_terms)]
        share = sum(self.weights[term] for term in missing) / self.total if self.total else 0.0
        return [self.key_terms[term] for term in missing], share


def _held(term: str, text_terms: set[str]) -> bool:
    """The term, or a term one of whose stems is the other's start ("deliv" of "deliver" and "deliveri"
    of "delivery": the stemmer leaves them apart), is among the text's terms."""
    if term in text_terms:
        return True
    if len(term) < SHORTEST_STEM_PREFIX:
        return False
    return any(len(other) >= SHORTEST_STEM_PREFIX and (other.startswith(term) or term.startswith(other))
               for other in text_terms)


def _key_terms(question: str, content_terms: set[str]) -> dict[str, str]:
    """Stemmed key term -> the word as written: numbers, and capitalised words after the first."""
    keys: dict[str, str] = {}
    for position, match in enumerate(KEY_WORD.finditer(question)):
        word = match.group()
        if any(c.isdigit() for c in word) or (position > 0 and word[0].isupper()):
            for term in tokenize(word):
                if term in content_terms and len(term) > 2 and term not in NOT_KEY:
                    keys.setdefault(term, word)
    return keys


def passage_scores(index, terms: QuestionTerms, hits: Sequence[Hit]) -> list[float]:
    coverage = [terms.coverage(set(tokens)) for tokens in
                index.passage_terms([f"{hit.article.title}\n{hit.passage}" for hit in hits])]
    return [hit.similarity + COVERAGE_WEIGHT * share for hit, share in zip(hits, coverage)]


def judge(index, question: str, hits: Sequence[Hit], threshold: float | None = None) -> Judgement:
    """Decide whether the hits answer the question (threshold: the corpus's own unless given)."""
    threshold = index.answer_threshold() if threshold is None else threshold
    terms = QuestionTerms(question, index.idf)
    scores = passage_scores(index, terms, hits)
    if not hits:
        return Judgement(False, [], [], threshold, [])
    article_terms: dict[str, set[str]] = {}

    def missing_keys(hit: Hit) -> tuple[list[str], float]:
        if not terms.key_terms:
            return [], 0.0
        doc_id = hit.article.doc_id
        if doc_id not in article_terms:
            article_terms[doc_id] = index.article_terms(doc_id)
        return terms.missing_keys(article_terms[doc_id])

    ranked = sorted(zip(scores, range(len(hits))), key=lambda pair: (-pair[0], pair[1]))
    quotable = [hits[i] for score, i in ranked
                if score >= threshold and missing_keys(hits[i])[1] <= MAX_MISSING_KEY_SHARE]
    missing = [] if quotable else missing_keys(hits[ranked[0][1]])[0]
    return Judgement(bool(quotable), scores, quotable, threshold, missing)


@cache
def background_questions() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("background_questions.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_background_vectors: WeakKeyDictionary = WeakKeyDictionary()
"""The background questions' embeddings, by model: embedded once per process and model."""


def calibrate(index) -> Calibration:
    """Ask the background questions of the index and set the threshold from their best scores."""
    questions = background_questions()
    vectors = _background_vectors.get(index.embedder)
    if vectors is None:
        vectors = _background_vectors[index.embedder] = index.embed_questions(questions)
    best = []
    for question, vector in zip(questions, vectors):
        hits = index.search(question, k=BACKGROUND_SEARCH_K, query_vector=vector)
        scores = passage_scores(index, QuestionTerms(question, index.idf), hits)
        best.append(max(scores, default=0.0))
    quantiles = {f"q{round(q * 100)}": float(np.quantile(best, q)) for q in (0.5, 0.75, 0.9, 0.95)} if best else {}
    background = {"questions": float(len(best)), **quantiles}
    corpus_level = float(np.quantile(best, BACKGROUND_QUANTILE)) + BACKGROUND_MARGIN if best else 0.0
    return Calibration(max(BASE_THRESHOLD, corpus_level), background, passages=len(index.chunks))
