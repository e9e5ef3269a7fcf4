"""The answer decision on the seeds, with the real model: answered when the articles answer,
refused when they don't, alike from the CLI, the REPL and the Discord bot."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from bot.core.config import Config
from bot.core.service import Newsbot
from bot.terminal.repl import Repl
from index import build_index, open_index
from index.search.answerability import BASE_THRESHOLD, Calibration
from index.stores.files.layout import MANIFEST, current_version, read_manifest
from tests.conftest import SEED_2017, SEEDS
from tests.discord_harness import running_bot

pytestmark = pytest.mark.model

ANSWERED = [
    "How much flour did Russia deliver?",
    "How many tons of flour did Russia give?",
    "What did Rodong Sinmun say?",
    "since:2021 what did the foreign ministry say",
    "flour",
    "putin small nations nuclear weapons",
]
REFUSED = [
    "How much rice did China send to North Korea?",
    "What did Japan say about the Hwasong-14 launch?",
    "What did Donald Trump say after the Hwasong-14 launch?",
    "Who won the 2018 FIFA World Cup?",
    "source:reuters how much flour did russia send to north korea",
    # what a first user's tries got quoted: a name first, a name in lower case, a number, a code, a pronoun
    "Trump met Kim Jong Un when?",
    "what did lavrov say about north korea",
    "Did Russia deliver 3,400 tons of flour to North Korea?",
    "What did Putin say at the G7 summit?",
    "What did he say?",
    # a country's name written in lower case is still a name the article must hold
    "how much rice did china send to north korea",
    "north korean workers japan factories",
]


@pytest.fixture
def app(seed_index_dir, real_embedder) -> Newsbot:
    return Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)


@pytest.mark.parametrize("question", ANSWERED)
def test_the_seeds_answer_rephrased_partial_and_filtered_questions(app, question):
    answer = app.ask(question)
    assert not answer.abstained, question
    assert answer.searched_for is None


@pytest.mark.parametrize("question", REFUSED)
def test_near_misses_on_the_same_people_and_places_are_refused(app, question):
    answer = app.ask(question)
    assert answer.abstained, question


def test_a_refusal_names_what_the_closest_article_lacks_and_what_to_try(app):
    answer = app.ask("How much rice did China send to North Korea as food aid?")
    assert answer.missing == ["China"]
    assert answer.closest and answer.closest[0].doc_id == SEED_2017  # the flour article is the closest
    from bot.core.answer import abstention_hint

    assert abstention_hint(answer).startswith("The closest article never mentions “China”.")


def test_a_number_the_passage_lacks_is_named_as_the_question_writes_it(app):
    answer = app.ask("Did Russia deliver 3,400 tons of flour to North Korea?")
    assert answer.abstained and answer.missing == ["3,400"]
    assert not app.ask("Did Russia deliver 2,400 tons of flour to North Korea?").abstained


def test_a_typo_is_answered_from_the_fixed_question_and_says_so(app):
    answer = app.ask("how much flowr did russia send to north korea")
    assert not answer.abstained
    assert answer.searched_for == "how much flour did russia send to north korea"
    assert "2,400 tons of flour" in answer.passages[0].text
    assert answer.citations[0].article.doc_id == SEED_2017


def test_did_you_mean_on_a_typo_the_articles_still_do_not_answer(app):
    answer = app.ask("What did the forign ministry say about Bitcoin?")
    assert answer.abstained
    assert answer.did_you_mean == "What did the foreign ministry say about Bitcoin?"
    assert answer.missing == ["Bitcoin"]


def test_the_build_records_the_corpus_threshold_in_the_manifest(seed_index_dir):
    manifest = read_manifest(current_version(seed_index_dir))
    calibration = Calibration.from_json(manifest.answerability)
    assert calibration is not None
    assert calibration.background["questions"] >= 100
    # two articles: off-topic questions score far below the floor, so the floor is the threshold
    assert calibration.background["q95"] < BASE_THRESHOLD == calibration.threshold


def test_an_index_built_before_calibration_works_it_out_when_opened(tmp_path, real_embedder):
    build_index([SEEDS], tmp_path / "ix", real_embedder)
    version = current_version(tmp_path / "ix")
    record = json.loads((version / MANIFEST).read_text())
    del record["answerability"]
    (version / MANIFEST).write_text(json.dumps(record))
    index = open_index(tmp_path / "ix", real_embedder)
    assert index.manifest.answerability is None
    assert index.answer_threshold() == BASE_THRESHOLD


@pytest.mark.parametrize("threshold", [float("nan"), float("-inf"), -5, "0.6", True])
def test_a_damaged_recorded_threshold_is_not_trusted(threshold):
    record = {**Calibration(0.7, {"q95": 0.6}, passages=9).to_json(), "threshold": threshold}
    assert Calibration.from_json(record) is None
    assert Calibration.from_json(Calibration(0.7, {"q95": 0.6}, passages=9).to_json()) == Calibration(
        0.7, {"q95": 0.6}, passages=9
    )


def test_min_answer_score_overrides_the_corpus_threshold(seed_index_dir, real_embedder):
    from bot.core.config import SearchSettings

    strict = Newsbot(
        Config(search=SearchSettings(min_answer_score=1.9)), embedder=real_embedder, index_dir=seed_index_dir
    )
    assert strict.ask("How much flour did Russia deliver to North Korea?").abstained


QUESTIONS_FOR_EVERY_FRONT_END = [
    "How many tons of flour did Russia give?",
    "how much flowr did russia send to north korea",
    "How much rice did China send to North Korea?",
]


async def test_the_cli_the_repl_and_the_bot_decide_alike(fake, seed_app, seed_index_dir, real_embedder, cli_real):
    cli_answers = [cli_real("ask", "--json", "--index", str(seed_index_dir), q) for q in QUESTIONS_FOR_EVERY_FRONT_END]
    assert [a["abstained"] for a in cli_answers] == [False, False, True]
    assert cli_answers[1]["searched_for"] == "how much flour did russia send to north korea"

    out = io.StringIO()
    repl = Repl(
        Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir),
        Console(file=out, width=200, color_system=None),
    )
    repl_outputs = []
    for question in QUESTIONS_FOR_EVERY_FRONT_END:
        start = len(out.getvalue())
        repl.run(iter([question]))
        repl_outputs.append(out.getvalue()[start:])
    assert ["don't cover this" in text for text in repl_outputs] == [False, False, True]
    assert "Showing passages for how much flour did russia send to north korea" in repl_outputs[1]
    assert "never mentions “China”" in repl_outputs[2]

    embeds = []
    async with running_bot(fake, seed_app()):
        for question in QUESTIONS_FOR_EVERY_FRONT_END:
            token = await fake.slash("ask", question=question)
            [embed] = (await fake.followup(token))["embeds"]
            embeds.append(embed)
    assert ["don't cover this" in e["description"] for e in embeds] == [False, False, True]
    assert "searched for: how much flour did russia send to north korea" in embeds[1]["footer"]["text"]
    assert "never mentions “China”" in embeds[2]["description"]
    for cli_answer, embed in zip(cli_answers[:2], embeds[:2]):
        assert cli_answer["hits"][0]["passage"][:40].split("\n")[0][:30] in embed["description"]


@pytest.fixture
def cli_real(capsys, reuse_real_embedder):
    from bot.terminal.cli import main

    def run(*argv: str) -> dict:
        capsys.readouterr()
        assert main(list(argv)) == 0
        return json.loads(capsys.readouterr().out)

    return run


def test_eval_abstention_splits_the_quiz_weeks_and_prints_every_set(tmp_path, cli):
    """The command's mechanics on a made-up judged corpus (FakeEmbedder: the shares mean nothing)."""
    eval_dir = tmp_path / "eval"
    news, claims = eval_dir / "realtimeqa-dev", eval_dir / "scifact"
    (news / "qrels").mkdir(parents=True)
    claims.mkdir()
    stories = {
        "harbour": "The harbour bridge reopened on Tuesday after two years of repairs.",
        "ferry": "Ferry crews ended their strike after the port agreed to a new contract.",
        "flour": "Russia delivered 2,400 tons of flour to North Korea, its embassy said.",
        "storm": "A storm closed the harbour and the ferry port for two days.",
    }
    (news / "corpus.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in stories.items()))
    (news / "weeks.tsv").write_text(
        "corpus-id\tweeks\nharbour\t20220101\nferry\t20220101\n" "flour\t20220108\nstorm\t20220101,20220108\n"
    )
    questions = {
        "20220101_0": ("When did the harbour bridge reopen?", "harbour", "Tuesday"),
        "20220101_1": ("Which storm closed the port?", "storm", "A storm"),
        "20220108_0": ("How much flour did Russia deliver?", "flour", "2,400 tons"),
    }
    (news / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, (t, _, _) in questions.items())
    )
    (news / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{doc}\t1\n" for q, (_, doc, _) in questions.items())
    )
    (news / "answers.jsonl").write_text(
        "".join(json.dumps({"_id": q, "answer": [a]}) + "\n" for q, (_, _, a) in questions.items())
    )
    (claims / "queries.jsonl").write_text(
        '{"_id": "1", "text": "Statins lower cholesterol."}\n' '{"_id": "2", "text": "Vitamin D prevents fractures."}\n'
    )

    status, out, err = cli("eval", "--abstention", "--eval-dir", str(eval_dir), "--cache", str(tmp_path / "cache"))
    assert status == 0, err
    rows = {line[:42].strip(): line[42:].split() for line in out.splitlines()[1:] if not line.startswith("  ")}
    assert {name: int(figures[0]) for name, figures in rows.items()} == {
        "seeds: answerable": 84,
        "seeds: unanswerable": 100,
        "realtimeqa-dev: its questions": 3,
        "realtimeqa-dev: near misses (a)": 1,  # the week-2 flour question, against week 1's articles
        "realtimeqa-dev: near misses (b)": 1,  # the harbour question; the storm's article is in both halves
        "realtimeqa-dev: written unanswerable": 32,
        "scifact claims on realtimeqa-dev news": 2,
    }
    assert rows["seeds: answerable"][-1] in {"met", "MISSED"}
    right = re.search(
        r"^  realtimeqa-dev: its questions: (\d+) of the (\d+) answered quote a passage holding the quiz's right answer$",
        out,
        re.M,
    )
    assert right and int(right[1]) <= int(right[2]) <= 3
    half_a = [
        json.loads(line)["_id"]
        for line in (tmp_path / "cache" / "realtimeqa-dev-half-a.jsonl").read_text().splitlines()
    ]
    assert half_a == ["harbour", "ferry", "storm"]


def test_eval_abstention_names_a_missing_eval_folder(tmp_path, cli):
    status, _, err = cli("eval", "--abstention", "--eval-dir", str(tmp_path / "nowhere"))
    assert status == 2
    assert "does not exist" in err and "--eval-dir" in err
