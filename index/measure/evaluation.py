"""Measuring retrieval on question sets with relevance judgments (the BEIR layout).

    corpus.jsonl    {"_id", "text", ...}, read like any corpus
    queries.jsonl   {"_id", "text"}
    qrels/test.tsv  query-id <tab> corpus-id <tab> score, with a header line

Relevance is judged per document: a document is ranked by its best passage. The measures are the
standard ones (as trec_eval and pytrec_eval compute them): nDCG@10 with the judged scores as gains,
Recall@k, and MRR@10, averaged over the queries that have at least one relevant document.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..documents import Hit
from ..errors import CorpusError
from ..search.news_index import NewsIndex, SearchMode

RECALL_CUTS = (1, 5, 10, 100)
PASSAGES_PER_QUERY = 400
"""Passages searched per query for the metrics: enough to rank at least 100 documents."""


def percentile(values: Sequence[float], share: float) -> float:
    """The value `share` of the way through the sorted values (the nearest rank): 0.5 is the median."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class EvalReport:
    mode: str
    queries: int
    metrics: dict[str, float]
    latency_p50_ms: float
    latency_p95_ms: float

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "queries": self.queries,
            **{k: round(v, 4) for k, v in self.metrics.items()},
            "latency_p50_ms": round(self.latency_p50_ms, 2),
            "latency_p95_ms": round(self.latency_p95_ms, 2),
        }


def read_queries(path: Path) -> dict[str, str]:
    queries = {}
    try:
        for _number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                record = json.loads(line)
                queries[str(record["_id"])] = record["text"]
    except (OSError, json.JSONDecodeError, KeyError) as error:
        raise CorpusError(
            f"cannot read queries from {path} ({error})", 'give a JSON line {"_id", "text"} per query'
        ) from None
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise CorpusError(f"cannot read judgments from {path} ({error})", "give a qrels .tsv file") from None
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if number == 1 and not fields[-1].strip().lstrip("-").isdigit():
            continue  # header
        if len(fields) != 3 or not fields[2].strip().lstrip("-").isdigit():
            raise CorpusError(
                f"{path}:{number}: expected query-id, corpus-id and score separated by tabs", "fix that line"
            )
        qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    return qrels


def document_ranking(hits: Sequence[Hit]) -> list[str]:
    """Documents in the order of their best passage."""
    return list(dict.fromkeys(hit.article.doc_id for hit in hits))


def query_metrics(ranking: Sequence[str], judged: dict[str, int]) -> dict[str, float]:
    relevant = {doc: grade for doc, grade in judged.items() if grade >= 1}
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranking[:10]))
    ideal = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    metrics = {"ndcg@10": dcg / ideal if ideal else 0.0}
    for cut in RECALL_CUTS:
        metrics[f"recall@{cut}"] = len(relevant.keys() & set(ranking[:cut])) / len(relevant)
    first = next((rank for rank, doc in enumerate(ranking[:10], start=1) if doc in relevant), None)
    metrics["mrr@10"] = 1.0 / first if first else 0.0
    return metrics


def evaluate(
    index: NewsIndex, queries: dict[str, str], qrels: dict[str, dict[str, int]], mode: SearchMode, latency_k: int = 9
) -> tuple[EvalReport, dict[str, list[str]]]:
    """Run every judged query; returns the report and the document run (for cross-checking)."""
    judged = [qid for qid in queries if any(grade >= 1 for grade in qrels.get(qid, {}).values())]
    if not judged:
        raise CorpusError("no query has a relevance judgment", "check that the queries and qrels files belong together")
    run: dict[str, list[str]] = {}
    per_query: list[dict[str, float]] = []
    latencies: list[float] = []
    for qid in judged:
        started = time.perf_counter()
        index.search(queries[qid], k=latency_k, mode=mode)  # what the bot asks for one answer
        latencies.append((time.perf_counter() - started) * 1000)
        run[qid] = document_ranking(index.search(queries[qid], k=PASSAGES_PER_QUERY, mode=mode))
        per_query.append(query_metrics(run[qid], qrels[qid]))
    metrics = {name: statistics.fmean(m[name] for m in per_query) for name in per_query[0]}
    latencies.sort()
    return EvalReport(mode, len(judged), metrics, statistics.median(latencies), percentile(latencies, 0.95)), run
