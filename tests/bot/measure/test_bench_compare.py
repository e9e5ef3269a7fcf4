"""`newsbot bench --compare` races newsbot and the generic pipeline for real (its timings are not tested)."""

from __future__ import annotations

import re

import pytest

from bot.measure.bench_compare import Figures, format_table
from bot.terminal.cli import main
from tests.conftest import SEEDS


def test_the_table_puts_each_figure_side_by_side_with_how_many_times_better_newsbot_does():
    ours = Figures([10.0, 12.0, 11.0], [300, 310, 305], 9, 1000, [0.5, 0.7, 0.6], [180, 180, 181], [10.0, 20.0], 0.61)
    theirs = Figures(
        [22.0, 22.0, 22.0], [500, 500, 500], 14, 2000, [9.0, 9.0, 9.0], [540, 540, 540], [40.0, 40.0], 0.55
    )
    table = format_table(ours, theirs, passes=1, questions=2)
    rows = {re.split(r"\s{2,}", line.strip())[0]: line.split() for line in table.splitlines()}
    assert rows["cold start to first answer"][-1] == "15.00x"  # 9 s / 0.6 s, medians
    assert rows["full build, wall (model load in)"][-1] == "2.00x"
    assert rows["word pieces per second"][-1] == "1.00x"  # 1000/11 vs 2000/22
    assert rows["nDCG@10 (judged questions)"][-1] == "+0.0600"
    assert "medians" in table


@pytest.mark.model
def test_it_runs_both_pipelines_on_the_seeds_from_cold_processes(reuse_real_embedder, model_cache, tmp_path, capsys):
    (tmp_path / "config.toml").write_text(f'[index]\nmodel_cache = "{model_cache}"\n')
    status = main(
        [
            "--config",
            str(tmp_path / "config.toml"),
            "bench",
            "--compare",
            "--corpus",
            str(SEEDS),
            "--runs",
            "1",
            "--passes",
            "1",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "build 1/1 newsbot" in err and "build 1/1 generic" in err and "cold answer 1/1 generic" in err
    figures = {re.split(r"\s{2,}", line.strip())[0]: line for line in out.splitlines()}
    for row in (
        "cold start to first answer",
        "its peak RSS",
        "full build, wall (model load in)",
        "passages",
        "word pieces embedded",
        "word pieces per second",
        "query p99",
    ):
        assert row in figures, out
    assert re.search(r"passages\s+9\s+\d+", out)  # newsbot's 9 passages of the seeds
    assert "nDCG@10 (judged" not in out  # no judged questions given
    assert not list(tmp_path.glob("newsbot-compare-*"))


def test_qrels_without_queries_are_refused(cli):
    status, _, err = cli("bench", "--compare", "--qrels", "qrels.tsv")
    assert status == 2 and "--qrels needs --queries" in err


def test_a_failing_child_process_ends_the_bench_in_one_line_naming_it():
    from bot.measure.bench_compare import run_child
    from index import NewsbotError

    with pytest.raises(NewsbotError, match=r"failed with status 3: boom") as error:
        run_child(["python3", "-c", "import sys; print('boom'); sys.exit(3)"])
    assert "by itself" in error.value.fix
    assert run_child(["python3", "-c", "x = bytearray(50_000_000)"]).peak_rss_mb > 40
