"""`newsbot eval --training-years`: the readers measured on a RealTime QA checkout, never its evaluation
years (a checkout made here: no training data needed)."""

from __future__ import annotations

import json

WEEKS = {
    "20230106": [
        (
            "How many tons of flour did Russia deliver?",
            "2,400 tons",
            "Russia delivered 2,400 tons of flour to North Korea on Monday, the embassy said in a statement.",
        )
    ],
    "20230113": [
        (
            "Which city hosted the harbour festival?",
            "Vladivostok",
            "The harbour festival opened in Vladivostok on Friday with boats, music and food stalls.",
        )
    ],
}


def make_checkout(root) -> None:
    for week, items in WEEKS.items():
        folder = root / "past" / week[:4]
        folder.mkdir(parents=True, exist_ok=True)
        qa, gcs = [], []
        for number, (question, answer, text) in enumerate(items):
            qa.append(
                {
                    "question_id": f"{week}_{number}",
                    "question_sentence": question,
                    "choices": ["none of these", answer],
                    "answer": ["1"],
                }
            )
            padding = " It was the news of the week in the port, where ships and cranes work day and night." * 3
            gcs.append(
                {
                    "question_id": f"{week}_{number}",
                    "search_result": [
                        {
                            "url": f"https://example.com/{week}/{number}",
                            "title": question.rstrip("?"),
                            "text": text + padding,
                        }
                    ],
                }
            )
        (folder / f"{week}_qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in qa))
        (folder / f"{week}_gcs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in gcs))
    held_out = root / "past" / "2022"
    held_out.mkdir(parents=True)
    (held_out / "20220617_qa.jsonl").write_text("evaluation data: never read\n")  # not JSON: reading it would fail
    (held_out / "20220617_gcs.jsonl").write_text("evaluation data: never read\n")


def test_the_readers_are_measured_on_the_training_years_only(cli, tmp_path):
    make_checkout(tmp_path / "rtqa")
    status, out, err = cli(
        "eval", "--training-years", str(tmp_path / "rtqa"), "--weeks-step", "1", "--cache", str(tmp_path / "cache")
    )
    assert status == 0, err
    assert "RealTime QA 2023: 2 weeks in 1 pairs of neighbours; 2 answerable questions, 2 near misses" in out
    assert sum("quoting a passage that holds the right answer" in line for line in out.splitlines()) == 2
    for set_name in ("answerable", "near misses"):
        for reader in ("answer-type", "off"):
            assert any(
                line.startswith(set_name) and f"reader {reader}" in line and "of 2)" in line
                for line in out.splitlines()
            ), (set_name, reader, out)


def test_a_folder_without_the_training_years_is_one_line(cli, tmp_path):
    status, _, err = cli("eval", "--training-years", str(tmp_path))
    assert status == 2 and err.count("\n") == 1
    assert "holds no RealTime QA week of 2023, 2024, 2025" in err and "realtimeqa_public" in err


def test_recency_orderings_are_measured_on_dated_weeks_without_later_articles(cli, tmp_path):
    """Asked on the quiz's day (13 January 2023): the 2019 article matches the question best but lacks
    the answer; the one of 10 January holds it; one of February, after the quiz, is left out."""
    week = tmp_path / "rtqa" / "past" / "2023"
    week.mkdir(parents=True)
    question = "Which city recently hosted the harbour festival?"
    results = [
        (
            "2019/05/01",
            "Which city hosted the harbour festival",
            "Which city hosted the harbour festival? "
            "The harbour festival was hosted by the city of Odessa, a city that hosted the festival for years.",
        ),
        ("2023/01/10", "Harbour festival opens", "The city that hosted the harbour festival recently: Vladivostok."),
        ("2023/02/01", "Harbour festival next year", "The harbour festival will recently be hosted in Riga next."),
    ]
    padding = " It was the news of the week in the port, where ships and cranes work day and night." * 3
    qa = {
        "question_id": "20230113_0",
        "question_sentence": question,
        "choices": ["Riga", "Vladivostok"],
        "answer": ["1"],
    }
    gcs = {
        "question_id": "20230113_0",
        "search_result": [
            {"url": f"https://example.com/{n}", "title": title, "text": text + padding, "publish_date": date}
            for n, (date, title, text) in enumerate(results)
        ],
    }
    (week / "20230113_qa.jsonl").write_text(json.dumps(qa) + "\n")
    (week / "20230113_gcs.jsonl").write_text(json.dumps(gcs) + "\n")
    (week / "20230120_qa.jsonl").write_text("")
    (week / "20230120_gcs.jsonl").write_text("")
    status, out, err = cli(
        "eval",
        "--training-years",
        str(tmp_path / "rtqa"),
        "--recency",
        "--weeks-step",
        "1",
        "--cache",
        str(tmp_path / "cache"),
    )
    assert status == 0, err
    assert "1 questions ask for the latest and are answerable, 1 answered" in out, out
    lines = {line.split("  first")[0].strip(): line for line in out.splitlines() if "first quote" in line}
    assert "first quote holds the answer   0.0% (0)" in lines["score (time ignored)"], out
    assert "first quote holds the answer 100.0% (1)" in lines["newest first"], out


def test_recency_needs_the_training_years(cli):
    status, _, err = cli("eval", "--recency")
    assert status == 2 and err.count("\n") == 1 and "--training-years" in err
