"""`newsbot bench-changes`: what keeping a large corpus current costs. Prints figures, asserts nothing.

In a scratch folder, with the model loaded once (as the bot and the REPL run), it times:

1. a full build of the corpus;
2. a reindex with no change (`newsbot index build`, `/reindex`);
3. adding one article (`newsbot index add`, `/add`): checking the file, saving it into the corpus
   folder, the new index version, and loading that version to answer from;
4. removing it again (`newsbot index remove`, `/remove`);

steps 2 to 4 `repeats` times each (medians, with every run listed). A running bot keeps the version
it last built, so its next change does not read it back from disk; two more figures show the
cases without that: an add by a bot that has just started (it reads the version in use first),
and an add from a new `newsbot index add` process (which also loads the model). The corpus is read
where it is; the added article is saved into an empty scratch folder, the [corpus] added_dir of the run.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from index import CorpusError

from ..core.config import CorpusSettings
from ..core.corpus_admin import add_source, remove_article
from ..core.service import Newsbot


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _runs(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds):.2f} s [{', '.join(f'{s:.2f}' for s in seconds)}]"


def _config_file(app: Newsbot, folder: Path) -> Path:
    """The settings of `app`, for a `newsbot` process working on the scratch corpus and index."""
    index = app.config.index
    corpus = app.config.corpus
    lines = [
        "[corpus]",
        f"paths = {json.dumps([str(p.resolve()) for p in corpus.paths])}",
        f"added_dir = {json.dumps(str(corpus.added_dir.resolve()))}",
        "[index]",
        f"dir = {json.dumps(str(app.index_dir.resolve()))}",
        f"model = {json.dumps(index.model)}",
        f"device = {json.dumps(index.device)}",
        f"batch_size = {index.batch_size}",
        f"chunk_tokens = {index.chunk_tokens}",
        f"overlap_tokens = {index.overlap_tokens}",
        f"title_in_embedding = {str(index.title_in_embedding).lower()}",
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_change_bench(
    app: Newsbot, corpus: list[Path], article: Path, repeats: int, *, cli_add: bool = True
) -> dict[str, list[float]]:
    """Time the steps above; print them and return the seconds of every run by step."""
    if not article.is_file():
        raise CorpusError(f"{article} is not a file", "give --article the path of an article file to add")
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-changes-") as scratch:
        folder = Path(scratch) / "added"
        folder.mkdir()
        config = dataclasses.replace(app.config, corpus=CorpusSettings(paths=tuple(corpus), added_dir=folder))
        app = Newsbot(config, embedder=app.embedder, index_dir=Path(scratch) / "index")  # loads the model now
        doc_id = article.with_suffix("").name

        seconds: dict[str, list[float]] = {"full build": [_timed(app.rebuild)]}
        manifest = app.index.manifest
        print(f"corpus: {', '.join(map(str, corpus))}: {manifest.articles:,} articles, {manifest.chunks:,} passages")
        print(f"full build: {seconds['full build'][0]:.2f} s")
        for _ in range(repeats):
            seconds.setdefault("reindex, no change", []).append(_timed(app.rebuild))
            seconds.setdefault("add one article", []).append(_timed(lambda: add_source(app, str(article))))
            passages = len(app.index.rows_by_article[doc_id])
            seconds.setdefault("remove it", []).append(_timed(lambda: remove_article(app, doc_id)))
        restarted = Newsbot(config, embedder=app.embedder, index_dir=app.index_dir)
        restarted.index  # noqa: B018 - a bot that has just started has its index loaded, but has not built anything yet
        seconds["add one article, just after a start"] = [_timed(lambda: add_source(restarted, str(article)))]
        remove_article(restarted, doc_id)
        full = seconds["full build"][0]
        reindex = statistics.median(seconds["reindex, no change"])
        print(
            f"reindex, no change: {_runs(seconds['reindex, no change'])} = {100 * reindex / full:.2f}% of the full build"
        )
        print(
            f"add one article ({article.name}, {passages} passage{'' if passages == 1 else 's'}): "
            f"{_runs(seconds['add one article'])}"
        )
        print(f"remove it: {_runs(seconds['remove it'])}")
        print(
            f"add one article just after a start (reads the version in use from disk first): "
            f"{seconds['add one article, just after a start'][0]:.2f} s"
        )

        if cli_add:
            config_file = _config_file(app, Path(scratch))
            command = [
                sys.executable,
                "-m",
                "bot.terminal.cli",
                "--config",
                str(config_file),
                "index",
                "add",
                str(article),
            ]
            started = time.perf_counter()
            finished = subprocess.run(command, capture_output=True, text=True)
            seconds["add one article, new process"] = [time.perf_counter() - started]
            if finished.returncode != 0:
                raise CorpusError(
                    f"`newsbot index add` failed: {finished.stderr.strip()[-300:]}", "run it alone to see why"
                )
            print(
                f"add one article from a new `newsbot index add` process (loads the model first): "
                f"{seconds['add one article, new process'][0]:.2f} s"
            )
        return seconds
