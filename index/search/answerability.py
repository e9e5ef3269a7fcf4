"""Whether the passages found answer the question: the answer decision, its features and its threshold.

This module is the one place the decision lives; the answer builder, `newsbot eval --abstention`
and the build (which calibrates it) all call it. How it was chosen, and what each alternative did,
is measured in docs/quality.md.

A passage's score is its cosine similarity to the question plus COVERAGE_WEIGHT x the share of the
question's content words (IDF-weighted, stemmed; question words and pronouns such as "what",
"say" or "he" left out; a stem that starts another counts as held, so "deliver" finds "delivery")
that the passage and its title contain. A passage may be quoted when

  1. it scores at least the corpus's threshold, and
  2. its article holds the question's names: capitalised words (the first too, unless it is a
     usual start such as "What"), words neither English nor in the corpus ("lavrov") and, unless the reader
     is `off`, countries' names however written ("china": place_names.py); and the
     passage holds its numbers and codes, whole ("3,400" is not "2,400", "G7" is not "G20"; the
     article's title, outlet and date count: "2021" is held by an article dated 2021). ("How much rice did China send?" is not answered
     by a passage on Russian flour, however close the wording.) Names and numbers it lacks may
     carry at most MAX_MISSING_KEY_SHARE of the question's IDF weight, so that one common word
     ("American" where the passage says "U.S.") does not refuse an answer;

  3. with the `answer-type` reader (`[search] reader`, answer_types.py), when the question asks for a
     quantity or a date, a sentence of the passage holds one the question does not write, beside what
     is counted; such a passage may score ANSWER_TYPE_MARGIN less than the threshold, since that
     sentence is evidence the score cannot see;
  4. with the `cross-encoder` reader, also: a sentence of the passage scores at least the sentence
     reader's threshold (index/reading/: a model that reads the question against each sentence), and
     that sentence is the one marked when the answer type marks none;

and the question is answered when some passage may be quoted.

The threshold adapts to the corpus. When an index is built, the BACKGROUND_QUESTIONS (questions on
every domain, places and years that a corpus almost never answers: index/search/background_questions.txt)
are asked of it, and the threshold is the larger of BASE_THRESHOLD and their BACKGROUND_QUANTILE-th
best score plus BACKGROUND_MARGIN: a corpus of thousands of articles, where some passage shares
the rare words of most questions, needs a higher score than two articles do. The result is
recorded in the version's manifest (`answerability`), so the bot, the REPL and the CLI decide
alike; `[search] min_answer_score` overrides the threshold when set.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Protocol
from weakref import WeakKeyDictionary

import numpy as np

from ..documents import ArticleMeta, Chunk, Hit
from ..embedding.base import Embedder
from ..reading.base import SentenceReader
from ..text.sentences import sentence_spans
from .answer_types import ExpectedAnswer, Reader, answering_sentences, expected_answer, fold
from .lexical import tokenize
from .place_names import country_names
from .spelling import english_words

COVERAGE_WEIGHT = 0.5
BASE_THRESHOLD = 0.6
"""The least score a passage needs on any corpus (the seeds' and other small corpora's threshold)."""
BACKGROUND_QUANTILE = 0.95
BACKGROUND_MARGIN = 0.09
MAX_MISSING_KEY_SHARE = 0.2
ANSWER_TYPE_MARGIN = 0.05
"""How much less than the threshold a passage may score when a sentence of it holds the quantity a how-much
question asks for beside what is counted (answer_types.py). Chosen on RealTime QA 2023-2024 (docs/quality.md):
0.05 and 0.1 each answered one more of 56 quantity and date questions there and quoted no more near misses."""
SHORTEST_STEM_PREFIX = 5
CARRY_OVER_SHARE = 0.02
"""A build keeps the version in use's calibration while under this share of passages has changed since."""
BACKGROUND_SEARCH_K = 9
"""Hits per background question: as many as the answer builder searches for k = 3."""
METHOD = (
    f"background-v4: max({BASE_THRESHOLD}, q{round(BACKGROUND_QUANTILE * 100)} + {BACKGROUND_MARGIN}), "
    f"coverage weight {COVERAGE_WEIGHT}"
)
"""Recorded with each calibration: one made by another method or other settings is made again when
the index is opened (it takes a few seconds), so changing a constant here needs no rebuild."""

QUESTION_WORD_TEXT = (
    "what which who whom whose when where why how much many did do does done say says said tell told "
    "is are was were be been there here according about happen happened "
    "he him his she her hers they them their theirs we us our you your me my it its this that these those"
)
"""Words that make a sentence a question, or stand for its subject, but do not name it."""


@cache
def question_words() -> frozenset[str]:
    """QUESTION_WORD_TEXT's stems (made at first use: stemming at import would load bm25s with it)."""
    return frozenset(tokenize(QUESTION_WORD_TEXT))


SENTENCE_STARTS = frozenset(
    "what which who whom whose when where why how did do does is are was were can could will would should "
    "has have had in on at for from to by with after before during since according as the a an this that "
    "these those there if approximately about around nearly more most some many much all any each every "
    "one two three four five six seven eight nine ten tell show list name give find".split()
)
"""First words that are capitalised because they start the question, not because they are names."""
NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december jan feb mar apr jun jul aug sep sept oct nov dec i".split()
)
"""Capitalised by convention, not names: an article says "this week" rather than the weekday, and "July"
rather than "Jul"."""
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
NUMBER = re.compile(r"[^\W_]*\d[^\W_]*(?:[-.][^\W_]+)*")
"""A number or a code with digits, whole: "3,400" (commas taken out first), "G7", "Hwasong-15"."""
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
NUMBER_AS_WRITTEN = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d|,\d)|" + NUMBER.pattern)


class JudgedIndex(Protocol):
    """What the answer decision asks of an index (`NewsIndex` is one; this module does not import it)."""

    chunks: Sequence[Chunk]

    @property
    def embedder(self) -> Embedder: ...

    def search(self, query: str, k: int, *, query_vector: np.ndarray | None = None) -> list[Hit]: ...

    def embed_questions(self, questions: Sequence[str]) -> np.ndarray: ...

    def answer_threshold(self) -> float: ...

    def idfs(self, terms: Sequence[str]) -> dict[str, float]: ...

    def passage_terms(self, texts: Sequence[str]) -> list[list[str]]: ...

    def article_terms(self, doc_id: str) -> set[str]: ...

    def corpus_words(self) -> dict[str, int]: ...


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
        return {
            "method": self.method,
            "threshold": round(self.threshold, 4),
            "background": {name: round(value, 4) for name, value in self.background.items()},
            "passages": self.passages,
            "changed": self.changed,
        }

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
        if not -1.0 <= threshold <= 2.0:  # a damaged manifest (NaN too) is measured again, not trusted
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
    terms: QuestionTerms
    """The question's content words and key terms, as the decision weighed them (highlighting reuses them)."""
    expected: ExpectedAnswer | None = None
    """The kind of answer the question asks for, when the reader looks for one (answer_types.py)."""
    answering: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """By passage id: the spans of the sentences of each quotable passage that hold that answer (the
    ones to mark)."""
    sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """By passage id: the sentence spans of each passage the reader split, for the highlighter to reuse."""

    def closest_articles(self, hits: Sequence[Hit], limit: int = 3) -> list[ArticleMeta]:
        """The articles of the hits, best passage score first, each once."""
        ranked = sorted(zip(self.scores, range(len(hits))), key=lambda pair: (-pair[0], pair[1]))
        seen: dict[str, ArticleMeta] = {}
        for _, position in ranked:
            seen.setdefault(hits[position].article.doc_id, hits[position].article)
        return list(seen.values())[:limit]


class QuestionTerms:
    """A question's content terms with their IDF weights, and its key terms: the names and numbers a
    passage that answers it must hold. Texts are held against it with THOUSANDS taken out too."""

    def __init__(self, question: str, idfs: Callable[[Sequence[str]], dict[str, float]], known_word) -> None:
        written, question = question, THOUSANDS.sub("", question)  # "2,400" is one term, as in the texts
        terms = [term for term in dict.fromkeys(tokenize(question)) if term not in question_words()]
        self.weights = idfs(terms)  # one look-up for them all (one statement with PostgreSQL)
        self.total = sum(self.weights.values())
        self.names = _names(question, self.weights.keys(), known_word)
        self.numbers = _numbers(written, self.weights)

    def coverage(self, text_terms: set[str]) -> float:
        """The IDF-weighted share of the question's content terms among these terms, from 0 to 1."""
        if not self.total:
            return 0.0
        return sum(weight for term, weight in self.weights.items() if _held(term, text_terms)) / self.total

    def missing_keys(self, text: str, article_terms: set[str], folded: bool = False) -> tuple[list[str], float]:
        """The names of the question absent from an article (matched by stem, exactly) and its numbers
        absent from a text of it (matched whole), as the question writes them, and their share of
        the question's weight. Names are looked for in the whole article, since a passage may call
        "Kim Jong Il" "the two leaders"; numbers in the text quoted. `folded`: a name written with accents
        on one side and without on the other ("José", "Jose") is held; `article_terms` are then the
        article's terms `with_folded`."""
        missing = [
            (word, self.weights[term])
            for term, word in self.names.items()
            if term not in article_terms
            and not (folded and (fold(term) in article_terms or set(tokenize(fold(word))) <= article_terms))
        ]
        if self.numbers:
            held = set(NUMBER.findall(text.casefold()))
            missing.extend((word, weight) for number, (word, weight) in self.numbers.items() if number not in held)
        share = sum(weight for _, weight in missing) / self.total if self.total else 0.0
        return [word for word, _ in missing], share


def with_folded(terms: set[str]) -> set[str]:
    """Terms with their folded forms, as they are and stemmed again ("andrés" and "andres" stem apart)."""
    folded = [fold(term) for term in terms]
    return terms | set(folded) | set(tokenize(" ".join(folded)))


def _held(term: str, text_terms: set[str]) -> bool:
    """The term, or a term one of whose stems is the other's start ("deliv" of "deliver" and "deliveri"
    of "delivery": the stemmer leaves them apart), is among the text's terms."""
    if term in text_terms:
        return True
    if len(term) < SHORTEST_STEM_PREFIX:
        return False
    return any(
        len(other) >= SHORTEST_STEM_PREFIX and (other.startswith(term) or term.startswith(other))
        for other in text_terms
    )


def _names(question: str, content_terms, known_word) -> dict[str, str]:
    """Stemmed name -> the word as written. A name is a capitalised word (the first word too, unless it
    is a usual start of a question such as "What" or "After"), or a word that is neither English nor in
    the corpus ("lavrov" written in lower case)."""
    names: dict[str, str] = {}
    for position, match in enumerate(WORD.finditer(question)):
        word = match.group()
        lowered = word.casefold()
        if any(c.isdigit() for c in word) or lowered in NOT_NAMES:
            continue
        capitalised = word[0].isupper() and (position > 0 or lowered not in SENTENCE_STARTS)
        if capitalised or not known_word(lowered):
            for term in tokenize(word):
                if term in content_terms:
                    names.setdefault(term, word)
    return names


def _numbers(question: str, weights: dict[str, float]) -> dict[str, tuple[str, float]]:
    """Number as a text holds it -> (as the question writes it, its weight: that of its weightiest term)."""
    numbers: dict[str, tuple[str, float]] = {}
    for match in NUMBER_AS_WRITTEN.finditer(question):
        number = THOUSANDS.sub("", match.group())
        weight = max((weights.get(term, 0.0) for term in tokenize(number)), default=0.0)
        if weight:
            numbers.setdefault(number.casefold(), (match.group(), weight))
    return numbers


def judge(
    index: JudgedIndex,
    question: str,
    hits: Sequence[Hit],
    threshold: float | None = None,
    reader: Reader = "answer-type",
    sentence_reader: SentenceReader | None = None,
) -> Judgement:
    """Decide whether the hits answer the question (threshold: the corpus's own unless given).

    The question is the one searched: `source:`, `since:` and `before:` already taken out of it
    (`index.parse_query`), as `Newsbot.ask` does. With the `answer-type` reader, a question asking
    for a quantity or a date is answered only by passages with a sentence that holds one
    (answer_types.py), and names are matched with accents folded; `off` decides as before it. The
    `cross-encoder` reader also asks `sentence_reader` (which it needs) of each passage that passes."""
    if reader == "cross-encoder" and sentence_reader is None:
        raise ValueError('the "cross-encoder" reader needs a sentence reader')
    threshold = index.answer_threshold() if threshold is None else threshold
    reading = reader != "off"
    terms = question_terms(index, question, countries=reading)
    texts, scores = _passage_scores(index, terms, hits)
    if not hits:
        return Judgement(False, [], [], threshold, [], terms)
    article_terms: dict[str, set[str]] = {}
    expected = expected_answer(question) if reading else None
    answering: dict[str, list[tuple[int, int]]] = {}
    sentences: dict[str, list[tuple[int, int]]] = {}

    def holds_the_answer(i: int) -> bool:
        if expected is None:
            return True
        passage, chunk_id = hits[i].passage, hits[i].chunk.chunk_id
        sentences[chunk_id] = passage_sentences(passage)
        spans = answering_sentences(expected, passage, sentences[chunk_id])
        if spans:
            answering[chunk_id] = spans
        return bool(spans)

    def missing_keys(i: int) -> tuple[list[str], float]:
        if not (terms.names or terms.numbers):
            return [], 0.0
        doc_id = hits[i].article.doc_id
        if doc_id not in article_terms:  # once per article: folding its terms is not free
            held = index.article_terms(doc_id) if terms.names else set()
            article_terms[doc_id] = with_folded(held) if reading and held else held
        return terms.missing_keys(texts[i], article_terms[doc_id], folded=reading)

    ranked = sorted(range(len(hits)), key=lambda i: (-scores[i], i))
    # a sentence holding the asked-for quantity beside what is counted is evidence the score cannot see
    # ("send" where the passage says "delivery"): such a passage may score ANSWER_TYPE_MARGIN less
    margin = ANSWER_TYPE_MARGIN if expected is not None and expected.kind == "quantity" and expected.focus else 0.0
    quotable = [
        hits[i]
        for i in ranked
        if scores[i] >= threshold - margin and missing_keys(i)[1] <= MAX_MISSING_KEY_SHARE and holds_the_answer(i)
    ]
    if reader == "cross-encoder" and quotable:
        assert sentence_reader is not None
        quotable = _read_sentences(sentence_reader, question, quotable, sentences, answering)
    missing = [] if quotable else missing_keys(ranked[0])[0]
    return Judgement(bool(quotable), scores, quotable, threshold, missing, terms, expected, answering, sentences)


def _read_sentences(
    reader: SentenceReader,
    question: str,
    hits: list[Hit],
    sentences: dict[str, list[tuple[int, int]]],
    answering: dict[str, list[tuple[int, int]]],
) -> list[Hit]:
    """The hits with a sentence the reader scores at least its threshold, in one call for all their
    sentences; that sentence is marked unless the answer type marked others."""
    for hit in hits:  # the answer type split some already
        if hit.chunk.chunk_id not in sentences:
            sentences[hit.chunk.chunk_id] = passage_sentences(hit.passage)
    spans = [sentences[hit.chunk.chunk_id] for hit in hits]
    texts = [hit.passage[start:end] for hit, own in zip(hits, spans) for start, end in own]
    scores = reader.scores(question, texts)
    kept, start = [], 0
    for hit, own in zip(hits, spans):
        best_score, best_span = max(zip(scores[start : start + len(own)], own), key=lambda pair: pair[0])
        start += len(own)
        if best_score >= reader.threshold:
            kept.append(hit)
            answering.setdefault(hit.chunk.chunk_id, [best_span])
    return kept


def passage_sentences(passage: str) -> list[tuple[int, int]]:
    """The passage's sentence spans (the whole passage when it has none), as the reader and the highlighter split it."""
    return sentence_spans(passage) or [(0, len(passage))]


def _passage_scores(index: JudgedIndex, terms: QuestionTerms, hits: Sequence[Hit]) -> tuple[list[str], list[float]]:
    """What a quote of each hit shows, and the hit's passage score."""
    texts = [THOUSANDS.sub("", _quoted_text(hit)) for hit in hits]
    text_terms = [set(tokens) for tokens in index.passage_terms(texts)]
    return texts, [hit.similarity + COVERAGE_WEIGHT * terms.coverage(held) for hit, held in zip(hits, text_terms)]


def question_terms(index: JudgedIndex, question: str, countries: bool = False) -> QuestionTerms:
    """The question's terms; `countries`: a country's name is a name however it is written ("china",
    place_names.py), though English dictionaries hold it in lower case."""
    corpus_words = index.corpus_words()
    english = english_words()
    names_however_written = country_names() if countries else frozenset()
    return QuestionTerms(
        question,
        index.idfs,
        lambda word: (word in corpus_words or word in english) and word not in names_however_written,
    )


def _quoted_text(hit: Hit) -> str:
    """What a quote of the hit shows: its title, passage, outlet and date ("2021" is held by an
    article dated 2021)."""
    article = hit.article
    date = f"{article.date.year} {article.date:%B} {article.date.day}" if article.date else ""
    return "\n".join(part for part in (article.title, hit.passage, article.outlet, date) if part)


@cache
def background_questions() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("background_questions.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_background_vectors: WeakKeyDictionary[Embedder, np.ndarray] = WeakKeyDictionary()
"""The background questions' embeddings, by model: embedded once per process and model."""


def calibrate(index: JudgedIndex) -> Calibration:
    """Ask the background questions of the index and set the threshold from their best scores."""
    questions = background_questions()
    vectors = _background_vectors.get(index.embedder)
    if vectors is None:
        vectors = _background_vectors[index.embedder] = index.embed_questions(questions)
    best = []
    for question, vector in zip(questions, vectors):
        hits = index.search(question, k=BACKGROUND_SEARCH_K, query_vector=vector)
        best.append(max(_passage_scores(index, question_terms(index, question), hits)[1], default=0.0))
    quantiles = {f"q{round(q * 100)}": float(np.quantile(best, q)) for q in (0.5, 0.75, 0.9, 0.95)} if best else {}
    background = {"questions": float(len(best)), **quantiles}
    corpus_level = float(np.quantile(best, BACKGROUND_QUANTILE)) + BACKGROUND_MARGIN if best else 0.0
    return Calibration(max(BASE_THRESHOLD, corpus_level), background, passages=len(index.chunks))
