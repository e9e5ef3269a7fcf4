"""Process-wide state: thread settings are made where the work runs, never at import (FAISS and
PyTorch share OpenMP), and commands that embed nothing never import the model."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

PROBE = """
import torch
before = torch.get_num_threads()
import numpy as np
import index
from index.search.vectors import VectorIndex
after_import = torch.get_num_threads()
vectors = VectorIndex(4)
vectors.add(np.arange(3), np.eye(3, 4, dtype=np.float32))
vectors.search(np.ones(4, dtype=np.float32), 2)
print(before, after_import, torch.get_num_threads())
"""


def test_importing_and_searching_leave_the_models_threads_alone():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    before, after_import, after_search = map(int, result.stdout.split())
    assert before == 2
    assert after_import == after_search == before


STATS_PROBE = """
import sys

import pytest
from bot.terminal.cli import main
status = main(["index", "stats", "--index", sys.argv[1]])
print(status, sorted(name for name in ("torch", "transformers", "sentence_transformers", "onnxruntime", "faiss", "bm25s",
                                       "scipy") if name in sys.modules))
"""


@pytest.mark.model
def test_commands_that_embed_nothing_never_load_the_model(seed_index_dir):
    """`newsbot index stats` opens the index under the model's name only (9 s of loading saved), and reads
    its manifest without FAISS or BM25 (loaded at the first search)."""
    result = subprocess.run(
        [sys.executable, "-c", STATS_PROBE, str(seed_index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 []"
