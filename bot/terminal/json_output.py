"""The stable JSON form of an answer (`newsbot ask --json`), one object per question.

    {
      "schema": 1,
      "question": "How much flour did Russia deliver to North Korea?",
      "abstained": false,              # true when the articles do not cover the question
      "hits": [                        # the quoted passages, best first ([] when abstained)
        {
          "doc_id": "000_d9337505ec262534",
          "chunk_id": "000_d9337505ec262534#1",
          "title": "...", "outlet": "UPI", "date": "2017-07-19", "url": null, "byline": "...",
          "passage": "...",            # the article's own text
          "span": [812, 1490],         # where the passage stands in the cleaned article
          "highlights": [[0, 212]],    # best-matching sentences, as offsets into "passage"
          "score": 0.7412,             # the answer's passage score (similarity plus coverage of the
                                       #   question's words): hits come in its order, highest first
          "search_score": 0.0325,      # the search's ranking score (scale depends on the search mode)
          "similarity": 0.601,         # cosine similarity of question and passage
          "also_in": [ {doc_id, title, outlet, date, url}, ... ]   # other articles saying the same
        }
      ],
      "closest": [ {doc_id, title, outlet, date, url}, ... ],     # when abstained: nearest articles
      "searched_for": null,            # when answered only with misspelt words fixed: what was searched
      "did_you_mean": null,            # when abstained: the question with misspelt words fixed, if any
      "hint": null,                    # when abstained: what to try next
      "filters": {"source": null, "since": "2021-01-01", "before": null},  # source:/since:/before:, or the
                                       #   window time words gave
      "time_window": null,             # when time words gave one: {"phrase": "last week", "since": ...,
                                       #   "before": ..., "quoting_other_dates": false}
      "notes": null,                   # what the front ends show of the window, the filters and "newest first"
      "cut": false                     # true when the question was longer than 2,000 characters: its start
                                       #   was searched
    }

"question" is the question searched, with the filters taken out of it.

With `--batch`, a line that cannot be answered (a bad filter, nothing left to ask) gives, in its
place, `{"schema": 1, "question": "<the line>", "error": "<what is wrong, and the fix>"}`; the
other lines are answered as usual and the exit status is 2.

Dates are ISO 8601; unknown fields are null. New keys may be added; none is renamed or removed
without raising "schema".
"""

from __future__ import annotations

from index import ArticleMeta

from ..core.answer import Answer, abstention_hint, filters_note

SCHEMA_VERSION = 1


def article_json(article: ArticleMeta) -> dict:
    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "outlet": article.outlet,
        "date": article.date.isoformat() if article.date else None,
        "url": article.url,
    }


def answer_json(answer: Answer) -> dict:
    hits = []
    for passage in answer.passages:
        hit = passage.hit
        hits.append(
            {
                **article_json(hit.article),
                "byline": hit.article.byline,
                "chunk_id": hit.chunk.chunk_id,
                "passage": hit.passage,
                "span": [hit.chunk.start, hit.chunk.end],
                "highlights": [list(span) for span in passage.highlights],
                "score": round(passage.score, 6),
                "search_score": round(hit.score, 6),
                "similarity": round(hit.similarity, 6),
                "also_in": [article_json(answer.citation(n).article) for n in passage.citations[1:]],
            }
        )
    return {
        "schema": SCHEMA_VERSION,
        "question": answer.question,
        "abstained": answer.abstained,
        "hits": hits,
        "closest": [article_json(article) for article in answer.closest],
        "searched_for": answer.searched_for,
        "did_you_mean": answer.did_you_mean,
        "hint": abstention_hint(answer) if answer.abstained else None,
        "filters": {
            "source": answer.filters.source,
            "since": answer.filters.since.isoformat() if answer.filters.since else None,
            "before": answer.filters.before.isoformat() if answer.filters.before else None,
        },
        "time_window": None
        if answer.time_window is None
        else {
            "phrase": answer.time_window.phrase,
            "since": answer.time_window.since.isoformat() if answer.time_window.since else None,
            "before": answer.time_window.before.isoformat() if answer.time_window.before else None,
            "quoting_other_dates": answer.outside_window,
        },
        "notes": filters_note(answer),
        "cut": answer.cut,
    }
