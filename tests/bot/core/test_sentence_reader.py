"""The "cross-encoder" reader: the answer-type reader plus a sentence reader's say on every passage quoted,
with the marked sentence the one it scores best; its model is a setting, and a model that cannot be
loaded is one line naming the fix.

The decision is tested with a fake sentence reader at our seam (`index.reading.base.SentenceReader`); the
sentence-transformers backend with a real CrossEncoder made here from the bundled model's weights."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.core.config import Config, SearchSettings
from bot.core.service import Newsbot
from index import ModelError, judge, load_sentence_reader, open_index

pytestmark = pytest.mark.model

QUESTION = "What did Russia deliver to North Korea?"


class WordReader:
    """Scores 1 for a sentence holding its word, 0 otherwise; counts what it was asked."""

    def __init__(self, word: str, threshold: float = 0.5) -> None:
        self.name, self.threshold, self.word, self.asked = f"fake {word}", threshold, word, 0

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        self.asked += len(sentences)
        return [1.0 if self.word in sentence else 0.0 for sentence in sentences]


def reading_app(monkeypatch, seed_index_dir, real_embedder, reader: WordReader) -> Newsbot:
    monkeypatch.setattr("bot.core.service.load_sentence_reader", lambda model, threshold: reader)
    search = SearchSettings(reader="cross-encoder", reader_model=seed_index_dir / "any-model")
    return Newsbot(Config(search=search), embedder=real_embedder, index_dir=seed_index_dir)


def test_every_passage_quoted_has_a_sentence_the_reader_passes_and_that_sentence_is_marked(
    monkeypatch, seed_index_dir, real_embedder
):
    reader = WordReader("flour")
    answer = reading_app(monkeypatch, seed_index_dir, real_embedder, reader).ask(QUESTION)
    assert not answer.abstained and reader.asked
    for passage in answer.passages:
        marked = [passage.text[start:end] for start, end in passage.highlights]
        assert marked and all("flour" in sentence for sentence in marked), marked
    default = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir).ask(QUESTION)
    assert not default.abstained
    assert any("flour" not in p.text for p in default.passages), "the case: answer-type alone quotes more"
    assert all("flour" in p.text for p in answer.passages)


def test_a_reader_that_passes_no_sentence_refuses(monkeypatch, seed_index_dir, real_embedder):
    reader = WordReader("a word no seed article writes")
    answer = reading_app(monkeypatch, seed_index_dir, real_embedder, reader).ask(QUESTION)
    assert answer.abstained and answer.closest  # refused like any other, closest articles named


def test_the_reader_is_asked_only_of_passages_the_rest_of_the_decision_lets_through(seed_index_dir, real_embedder):
    index = open_index(seed_index_dir, real_embedder)
    question = "How much flour did Russia send to North Korea in 2021?"  # answer-type refuses every passage
    reader = WordReader("flour")
    judgement = judge(index, question, index.search(question, k=9), reader="cross-encoder", sentence_reader=reader)
    assert not judgement.answered and reader.asked == 0
    with pytest.raises(ValueError, match="needs a sentence reader"):
        judge(index, QUESTION, index.search(QUESTION, k=9), reader="cross-encoder")


def test_cross_encoder_without_a_model_is_one_line(tmp_path, capsys):
    from bot.terminal.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[search]\nreader = "cross-encoder"\n')
    assert main(["ask", QUESTION, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs a model" in err and "reader_model" in err, err


@pytest.mark.parametrize("damage", ["missing", "empty", "damaged"])
def test_a_missing_or_damaged_model_is_one_line_naming_the_fix(
    tmp_path, seed_index_dir, reuse_real_embedder, capsys, damage
):
    from bot.terminal.cli import main

    model = tmp_path / "reader"
    if damage != "missing":
        model.mkdir()
    if damage == "damaged":
        (model / "config.json").write_text('{"model_type": "bert", "num_labels"')  # cut short
        (model / "model.safetensors").write_bytes(b"\x00" * 64)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[index]\ndir = "{seed_index_dir}"\n\n[search]\nreader = "cross-encoder"\nreader_model = "{model}"\n'
    )
    assert main(["ask", QUESTION, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot load the reader model" in err and "reader_model" in err, err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory):
    """A one-output CrossEncoder made from the bundled model's weights (its head untrained: the scores mean
    nothing, the loading and scoring are what is tested)."""
    import torch
    from sentence_transformers import CrossEncoder

    from index import resolve_model_path

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(resolve_model_path("all-MiniLM-L6-v2"), num_labels=1).save(str(folder))
    return folder


def test_a_sentence_transformers_cross_encoder_is_loaded_from_its_folder_and_scores_each_sentence(cross_encoder_dir):
    reader = load_sentence_reader(str(cross_encoder_dir), 0.25)
    scores = reader.scores(QUESTION, ["Russia delivered 2,400 tons of flour.", "It rained.", "x" * 20_000])
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)  # a sigmoid; a long sentence is cut
    assert reader.threshold == 0.25 and str(cross_encoder_dir) in reader.name
    assert reader.scores(QUESTION, []) == []


def test_an_embedding_model_is_not_taken_for_a_cross_encoder():
    """It would load, with a head of random weights, and decide at random."""
    from index import resolve_model_path

    with pytest.raises(ModelError, match="is not a CrossEncoder"):
        load_sentence_reader(resolve_model_path("all-MiniLM-L6-v2"), 0.5)


@pytest.mark.parametrize("threshold", ["0", "1.0", "inf", "nan", "-1", '"high"'])
def test_a_threshold_no_score_can_meet_or_every_score_meets_is_one_line(tmp_path, capsys, threshold):
    from bot.terminal.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[search]\nreader = "cross-encoder"\nreader_model = "m"\nreader_threshold = {threshold}\n')
    assert main(["ask", QUESTION, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "reader_threshold" in err and "between 0 and 1" in err, err


def test_a_cross_encoder_of_several_outputs_is_refused(tmp_path):
    from sentence_transformers import CrossEncoder

    from index import resolve_model_path

    CrossEncoder(resolve_model_path("all-MiniLM-L6-v2"), num_labels=3).save(str(tmp_path / "three"))
    with pytest.raises(ModelError, match="3 scores per pair"):
        load_sentence_reader(str(tmp_path / "three"), 0.5)
