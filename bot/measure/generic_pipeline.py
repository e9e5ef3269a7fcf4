"""The pipeline a user would assemble from the usual parts: what `newsbot bench --compare` races.

LangChain's recipe, written with its own text splitter and the libraries its wrappers call:
`RecursiveCharacterTextSplitter` (1,000 characters, 200 of overlap), the same bundled model through
`SentenceTransformer.encode` (what `HuggingFaceEmbeddings` runs; batches of 32, unit vectors), a
FAISS flat inner-product index, and the 4 nearest chunks as the answer (LangChain's default k).
It reads the same cleaned article texts newsbot reads, so the race is between the pipelines, not
the loaders.

    python -m bot.measure.generic_pipeline build FOLDER PATH...   prints one JSON line: passages
    python -m bot.measure.generic_pipeline ask FOLDER "question"  prints the 4 nearest chunks
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import BUNDLED_MODEL, Embedder, hub_offline, resolve_model_path

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200
BATCH_SIZE = 32
TOP_K = 4


@dataclass(frozen=True)
class GenericHit:
    doc_id: str
    text: str
    score: float


def _model(model: str):
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()  # "Loading weights" bars would garble the bench's lines
    return SentenceTransformer(resolve_model_path(model), device="cpu", local_files_only=hub_offline())


def build(corpus: list[Path], folder: Path, model_name: str = BUNDLED_MODEL) -> dict:
    """Split, embed and index the corpus into `folder`; returns what was built."""
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from index import load_corpus

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS)
    chunks = [
        (article.doc_id, piece)
        for article in load_corpus(corpus).articles
        for piece in splitter.split_text(article.text)
    ]
    model = _model(model_name)
    texts = [text for _, text in chunks]
    vectors = model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    folder.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(folder / "vectors.faiss"))
    (folder / "chunks.json").write_text(json.dumps(chunks))
    return {"passages": len(chunks)}


def embedded_word_pieces(folder: Path, model: Embedder) -> int:
    """Word pieces the model read for the built chunks, special tokens included, each cut at the
    model's limit as the model cuts it (counted with the same model's tokenizer)."""
    texts = [text for _, text in json.loads((folder / "chunks.json").read_text())]
    return sum(min(n + model.special_tokens, model.max_tokens) for n in model.count_tokens(texts))


class GenericSearcher:
    """The built folder, loaded with its model: `search` embeds the question and takes the nearest chunks."""

    def __init__(self, folder: Path, model_name: str = BUNDLED_MODEL) -> None:
        import faiss

        self._model = _model(model_name)
        self._index = faiss.read_index(str(folder / "vectors.faiss"))
        self.chunks = json.loads((folder / "chunks.json").read_text())

    def search(self, question: str, k: int = TOP_K) -> list[GenericHit]:
        vector = self._model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        scores, rows = self._index.search(np.asarray(vector, dtype=np.float32), min(k, len(self.chunks)))
        return [
            GenericHit(self.chunks[row][0], self.chunks[row][1], float(score))
            for score, row in zip(scores[0], rows[0])
            if row >= 0
        ]


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "build":
        print(json.dumps(build([Path(p) for p in argv[2:]], Path(argv[1]))))
        return 0
    if len(argv) == 3 and argv[0] == "ask":
        for hit in GenericSearcher(Path(argv[1])).search(argv[2]):
            print(f"[{hit.score:.3f}] {hit.doc_id}: {hit.text}\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
