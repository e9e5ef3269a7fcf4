"""Build progress on the terminal: one tqdm bar per stage, on stderr, only on a terminal."""

from __future__ import annotations

import sys

from tqdm import tqdm

from index import BuildProgress

STAGE_UNITS = {"chunking": "article", "embedding": "passage", "writing": "step"}


def terminal_progress() -> tuple[BuildProgress, callable]:
    """A progress callback for `build_index`, and a function that closes its bars."""
    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=STAGE_UNITS.get(stage, "item"), file=sys.stderr,
                                     disable=None, leave=False, dynamic_ncols=True)
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close
