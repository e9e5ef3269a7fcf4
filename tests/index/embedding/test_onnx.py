"""The bundled model's int8 ONNX copy: made once, close to the fp32 model, and all a question needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.core.config import ConfigError, parse_config
from index import ModelError, SentenceTransformerEmbedder, embedder_name, load_embedder
from index.embedding import chosen_runtime, resolve_model_path
from index.embedding.onnx_export import MODEL_FILE, cached_int8_model
from tests.conftest import ROOT, SEEDS


def test_the_bundled_model_runs_from_onnx_on_a_cpu_and_others_in_sentence_transformers():
    assert chosen_runtime("all-MiniLM-L6-v2", "auto", "cpu") == "onnx"
    assert chosen_runtime("sentence-transformers/all-MiniLM-L6-v2", "auto", "cpu") == "onnx"
    assert chosen_runtime("all-MiniLM-L6-v2", "auto", "cuda") == "sentence-transformers"
    assert chosen_runtime("/models/e5-small", "auto", "cpu") == "sentence-transformers"
    assert chosen_runtime("all-MiniLM-L6-v2", "sentence-transformers", "cpu") == "sentence-transformers"
    # an index records which: its vectors differ slightly from the fp32 model's
    assert embedder_name("all-MiniLM-L6-v2") == "all-MiniLM-L6-v2 (onnx int8)"
    assert embedder_name("all-MiniLM-L6-v2", "sentence-transformers") == "all-MiniLM-L6-v2"


def test_a_bad_runtime_setting_is_named():
    with pytest.raises(ConfigError, match="runtime"):
        parse_config({"index": {"runtime": "tensorrt"}})


def test_onnx_for_a_model_without_mean_pooling_or_off_the_cpu_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "index.embedding.sentence_transformers.check_device", lambda device: None
    )  # as on a machine that has CUDA
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match="mean-pooling") as error:
        load_embedder(str(tmp_path), runtime="onnx", cache_dir=tmp_path / "cache")
    assert 'runtime = "sentence-transformers"' in error.value.fix
    with pytest.raises(ModelError, match="CPU only"):
        load_embedder("all-MiniLM-L6-v2", runtime="onnx", device="cuda", cache_dir=tmp_path / "cache")


@pytest.mark.model
def test_the_copy_is_made_once_and_a_damaged_one_is_told_with_the_fix(real_embedder, model_cache, tmp_path):
    folder = cached_int8_model(Path(resolve_model_path("all-MiniLM-L6-v2")), model_cache)
    made = (folder / MODEL_FILE).stat().st_mtime_ns
    assert load_embedder("all-MiniLM-L6-v2", cache_dir=model_cache).dimension == 384
    assert (folder / MODEL_FILE).stat().st_mtime_ns == made  # taken from the cache, not made again
    assert not [p for p in model_cache.iterdir() if p.name.startswith(".export-")]  # no half-made copies left

    damaged = tmp_path / "cache"
    damaged_folder = damaged / folder.name
    damaged_folder.mkdir(parents=True)
    (damaged_folder / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load the ONNX model") as error:
        load_embedder("all-MiniLM-L6-v2", cache_dir=damaged)
    assert "delete that folder" in error.value.fix


@pytest.mark.model
def test_int8_vectors_stay_close_to_the_fp32_models_and_count_the_same_word_pieces(real_embedder):
    sentences = [
        line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text().splitlines() if len(line.split()) > 6
    ][:40]
    fp32 = SentenceTransformerEmbedder()
    cosines = (real_embedder.embed(sentences) * fp32.embed(sentences)).sum(axis=1)
    assert np.all(np.isclose(np.linalg.norm(real_embedder.embed(sentences), axis=1), 1.0, atol=1e-4))
    assert cosines.mean() > 0.985 and cosines.min() > 0.95, (cosines.mean(), cosines.min())
    assert real_embedder.count_tokens(sentences) == fp32.count_tokens(sentences)
    assert real_embedder.token_offsets(sentences[0]) == fp32.token_offsets(sentences[0])
    assert real_embedder.max_tokens == fp32.max_tokens == 256


ASK_PROBE = """
import sys
from pathlib import Path
from bot.terminal.cli import main
status = main(["--config", sys.argv[1], "ask", "--json", "How much flour did Russia deliver to North Korea?"])
heavy = sorted(name for name in ("torch", "transformers", "sentence_transformers", "sklearn", "onnx") if name in sys.modules)
print(status, heavy, file=sys.stderr)
"""


@pytest.mark.model
def test_answering_a_question_never_imports_torch(seed_index_dir, model_cache, tmp_path):
    """The query path embeds with onnxruntime and tokenizers only: no torch, transformers or scikit-learn."""
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\ndir = "{seed_index_dir}"\nmodel_cache = "{model_cache}"\n')
    result = subprocess.run(
        [sys.executable, "-c", ASK_PROBE, str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "0 []", result.stderr
    assert '"abstained": false' in result.stdout and "2,400 tons of flour" in result.stdout


def test_a_failed_export_is_told_with_the_fix_and_leaves_no_half_copy(tmp_path, monkeypatch):
    def broken_export(model_dir, onnx_file):
        onnx_file.write_bytes(b"half a model")
        raise RuntimeError("the exporter ran out of memory")

    monkeypatch.setattr("index.embedding.onnx_export._export", broken_export)
    with pytest.raises(ModelError, match="cannot make the int8 ONNX copy .* ran out of memory") as error:
        cached_int8_model(Path(resolve_model_path("all-MiniLM-L6-v2")), tmp_path / "cache")
    assert 'runtime = "sentence-transformers"' in error.value.fix
    assert list((tmp_path / "cache").iterdir()) == []
