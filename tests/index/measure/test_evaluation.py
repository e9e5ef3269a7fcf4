"""`newsbot eval`: its figures agree with pytrec_eval on the same run."""

from __future__ import annotations

import json
import random

import pytest
import pytrec_eval

from bot.terminal.cli import main
from index import build_index, evaluate, open_index, query_metrics, read_qrels, read_queries

WORDS = (
    "harbour bridge council budget river flood school teacher vaccine clinic election ballot stadium "
    "football museum painting railway station airport runway festival music drought farmer"
).split()


def write_beir(folder, documents=40, queries=12, seed=7):
    """A small judged set: documents of random topic words, queries that share words with a few."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    docs = {f"d{i}": " ".join(rng.choices(WORDS, k=30)) + "." for i in range(documents)}
    (folder / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": d, "title": f"Doc {d}", "text": t}) for d, t in docs.items())
    )
    lines, qrels = [], ["query-id\tcorpus-id\tscore"]
    for q in range(queries):
        relevant = rng.sample(sorted(docs), 3)
        words = rng.sample(docs[relevant[0]].rstrip(".").split(), 4)
        lines.append(json.dumps({"_id": f"q{q}", "text": " ".join(words)}))
        qrels += [f"q{q}\t{relevant[0]}\t2", f"q{q}\t{relevant[1]}\t1", f"q{q}\t{relevant[2]}\t1", f"q{q}\td0\t0"]
    (folder / "queries.jsonl").write_text("\n".join(lines))
    (folder / "qrels").mkdir(exist_ok=True)
    (folder / "qrels" / "test.tsv").write_text("\n".join(qrels) + "\n")
    return folder


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_metrics_agree_with_pytrec_eval(tmp_path, fake_embedder, mode):
    beir = write_beir(tmp_path / "set")
    build_index([beir / "corpus.jsonl"], tmp_path / "ix", fake_embedder)
    index = open_index(tmp_path / "ix", fake_embedder)
    queries, qrels = read_queries(beir / "queries.jsonl"), read_qrels(beir / "qrels" / "test.tsv")
    report, run = evaluate(index, queries, qrels, mode)
    assert report.queries == 12

    scored = {qid: {doc: 1.0 / (rank + 1) for rank, doc in enumerate(docs)} for qid, docs in run.items()}
    top10 = {qid: dict(list(docs.items())[:10]) for qid, docs in scored.items()}
    measures = {"ndcg_cut_10", "recall_1", "recall_5", "recall_10", "recall_100"}
    full = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(scored)
    mrr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(top10)
    expected = {
        "ndcg@10": sum(full[q]["ndcg_cut_10"] for q in full) / len(full),
        **{f"recall@{k}": sum(full[q][f"recall_{k}"] for q in full) / len(full) for k in (1, 5, 10, 100)},
        "mrr@10": sum(mrr[q]["recip_rank"] for q in mrr) / len(mrr),
    }
    assert len(full) == 12
    for name, value in expected.items():
        assert report.metrics[name] == pytest.approx(value, abs=1e-9), name
    assert 0 < report.metrics["ndcg@10"] < 1  # a run that is neither perfect nor empty


def test_query_metrics_by_hand():
    judged = {"a": 1, "b": 2, "c": 0}
    metrics = query_metrics(["x", "b", "y", "a"], judged)
    assert metrics["recall@1"] == 0 and metrics["recall@5"] == 1 and metrics["mrr@10"] == 0.5
    ideal = 2 / 1 + 1 / 1.584962500721156
    assert metrics["ndcg@10"] == pytest.approx((2 / 1.584962500721156 + 1 / 2.321928094887362) / ideal)


@pytest.mark.model
def test_the_eval_command_prints_every_measure_and_reuses_its_index(tmp_path, capsys, reuse_real_embedder):
    beir = write_beir(tmp_path / "set", documents=15, queries=4)
    args = [
        "eval",
        "--corpus",
        str(beir / "corpus.jsonl"),
        "--queries",
        str(beir / "queries.jsonl"),
        "--qrels",
        str(beir / "qrels" / "test.tsv"),
        "--cache",
        str(tmp_path / "cache"),
        "--mode",
        "bm25",
        "--mode",
        "hybrid",
        "--json",
    ]
    assert main(args) == 0
    first = capsys.readouterr()
    lines = [json.loads(line) for line in first.out.splitlines()]
    assert [line["mode"] for line in lines] == ["bm25", "hybrid"]
    for line in lines:
        assert set(line) == {
            "mode",
            "queries",
            "ndcg@10",
            "recall@1",
            "recall@5",
            "recall@10",
            "recall@100",
            "mrr@10",
            "latency_p50_ms",
            "latency_p95_ms",
        }
        assert line["queries"] == 4
    assert "building an index" in first.err
    assert main(args) == 0
    assert "reusing the index" in capsys.readouterr().err
