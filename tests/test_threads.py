"""Thread settings are made where the work runs, never at import (FAISS and PyTorch share OpenMP)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

PROBE = """
import torch
before = torch.get_num_threads()
import numpy as np
import index
from index.vectors import VectorIndex
after_import = torch.get_num_threads()
vectors = VectorIndex(4)
vectors.add(np.arange(3), np.eye(3, 4, dtype=np.float32))
vectors.search(np.ones(4, dtype=np.float32), 2)
print(before, after_import, torch.get_num_threads())
"""


def test_importing_and_searching_leave_the_models_threads_alone():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    before, after_import, after_search = map(int, result.stdout.split())
    assert before == 2
    assert after_import == after_search == before
