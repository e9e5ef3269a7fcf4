"""Structural rules: the library stays free of Discord and its public surface changes on purpose."""

from __future__ import annotations

import ast

import index

from .conftest import ROOT


def test_index_never_imports_discord():
    for path in (ROOT / "index").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] in ("discord", "bot") for name in names), f"{path} imports {names}"


def test_the_public_surface_of_index_is_pinned():
    assert sorted(index.__all__) == sorted(
        [
            "EMBEDDING_BATCH",
            "HNSW_EF_CONSTRUCTION",
            "HNSW_M",
            "PASSAGES_PER_ANSWER",
            "POSTINGS_CACHE_MB",
            "VERSIONS_KEPT",
            "ARTICLE_SUFFIXES",
            "Article",
            "ArticleMeta",
            "BuildProgress",
            "BuildReport",
            "Chunk",
            "ChunkerSettings",
            "CorpusLoad",
            "HeldLock",
            "Manifest",
            "StoredVersion",
            "build_index",
            "build_lock",
            "chunk_article",
            "corpus_fingerprint",
            "load_corpus",
            "load_corpus_file",
            "sentence_spans",
            "update_index",
            "NewVersion",
            "PostgresStore",
            "STORE_BACKENDS",
            "StoreBackend",
            "VersionStore",
            "as_store",
            "connect_database",
            "copy_version",
            "open_index",
            "open_store",
            "serve_previous_version",
            "MigrationTrack",
            "BUNDLED_MODEL",
            "RUNTIMES",
            "Embedder",
            "SentenceReader",
            "SentenceTransformerEmbedder",
            "embedder_name",
            "load_embedder",
            "load_sentence_reader",
            "hub_offline",
            "resolve_model_path",
            "Hit",
            "IndexStats",
            "NewsIndex",
            "QuestionTerms",
            "ANSWER_TYPE_MARGIN",
            "Judgement",
            "passage_sentences",
            "READERS",
            "Reader",
            "SEARCH_MODES",
            "SearchFilters",
            "SearchMode",
            "judge",
            "parse_filter_date",
            "parse_query",
            "TimeWindow",
            "asks_for_recent",
            "time_window",
            "EvalReport",
            "evaluate",
            "percentile",
            "query_metrics",
            "read_qrels",
            "read_queries",
            "exact_neighbours",
            "synthetic_questions",
            "synthetic_version",
            "synthetic_question_texts",
            "synthetic_article",
            "SyntheticEmbedder",
            "SEARCH_CANDIDATES",
            "EF_SEARCH",
            "drop_corpus",
            "nearest_passages",
            "ConfigError",
            "CorpusError",
            "DatabaseError",
            "FilterError",
            "IndexBusyError",
            "IndexMismatchError",
            "IndexMissingError",
            "ModelError",
            "NewsbotError",
            "SearchTimeoutError",
            "StorageError",
            "UsageError",
            "VersionChanged",
        ]
    )
    for name in index.__all__:
        assert hasattr(index, name)


def test_bot_uses_only_the_public_surface_of_index():
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("index."):
                raise AssertionError(f"{path.relative_to(ROOT)} imports {node.module}: import it from `index`")
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("index.") for alias in node.names), path


def test_every_error_is_one_of_the_tree_and_the_base_is_never_raised():
    errors = [getattr(index, name) for name in index.__all__ if name.endswith("Error")]
    assert all(issubclass(error, index.NewsbotError) for error in errors)
    for folder in ("bot", "index"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    name = getattr(node.exc.func, "id", None)
                    assert name != "NewsbotError", f"{path.relative_to(ROOT)}:{node.lineno} raises the base class"


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "```sh\nmake run\n```" in readme and "```sh\nmake test\n```" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_bundled_corpus_is_the_two_seed_articles():
    """Guards against a test (or a bot under test) saving articles into the repository's seeds/."""
    assert sorted(p.name for p in (ROOT / "seeds").iterdir()) == [
        "000_d9337505ec262534.meta.toml",
        "000_d9337505ec262534.txt",
        "001_4589706aa8a54f74.txt",
    ]


def test_every_imported_module_is_declared():
    """A fresh `pip install -e .` must be able to import everything: no module may come in undeclared."""
    import importlib.metadata
    import re
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    runtime = names(project["dependencies"])
    optional = project["optional-dependencies"]
    for_tests = runtime | names(optional["test"]) | names(optional["bench"])
    distributions = importlib.metadata.packages_distributions()
    # bot/ may import the bench extra's modules too: `bench --compare` says how to install them if missing
    for folder, declared in (("bot", runtime | names(optional["bench"])), ("index", runtime), ("tests", for_tests)):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in (m.split(".")[0] for m in modules):
                    if module in sys.stdlib_module_names or module in ("bot", "index", "tests"):
                        continue
                    providers = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
                    assert (
                        providers & declared
                    ), f"{path.relative_to(ROOT)} imports {module}, which pyproject.toml does not declare"
    assert "lxml-html-clean" in runtime  # trafilatura imports lxml.html.clean (see pyproject.toml)


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path) -> set[str]:
    """The project modules a module imports, at its top or inside functions (a lazy import is a dependency
    all the same), but not those imported for type checking only."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for top in ast.walk(tree)
        if isinstance(top, ast.If) and ast.unparse(top.test) == "TYPE_CHECKING"
        for node in ast.walk(top)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports the module; `from module import name`, the module
            targets = [f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target.split(".")[0] in ("bot", "index")}
    return found - {name}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _import_graph() -> dict[str, set[str]]:
    return {
        _module_name(path): _imports_of(path) for folder in ("bot", "index") for path in (ROOT / folder).rglob("*.py")
    }


def test_no_module_of_the_project_imports_itself_in_a_circle():
    graph = _import_graph()
    assert graph["index.stores.files.store"] >= {"index.stores.base", "index.search.news_index"}  # the graph is read
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("an import circle: " + " -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


BACKENDS = (
    "index.stores.files",
    "index.stores.postgres",
    "index.embedding.onnx",
    "index.embedding.sentence_transformers",
    "index.reading.cross_encoder",
)
BASES = (
    "index.stores.base",
    "index.manifest",
    "index.documents",
    "index.errors",
    "index.embedding.base",
    "index.reading.base",
    "index.search",
    "index.text",
)


def test_the_library_bases_import_no_backend():
    """The base of each room (the store interface, the embedder, search and text) names no backend: only the
    factories (index.stores, index.embedding) and the public surface (index) do, and the backends themselves."""
    graph = _import_graph()

    def reached(module: str, seen: set[str]) -> set[str]:
        for imported in graph.get(module, ()):
            if imported not in seen:
                seen.add(imported)
                reached(imported, seen)
        return seen

    bases = [module for module in graph if module.startswith(BASES)]
    assert "index.search.news_index" in bases and "index.text.chunking" in bases
    for module in bases:
        backends = sorted(m for m in reached(module, set()) if m.startswith(BACKENDS))
        assert not backends, f"{module} imports the backend {backends[0]}"


def test_every_error_of_the_app_is_of_the_one_tree():
    from bot.core import errors

    app_errors = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert {error.__name__ for error in app_errors} >= {"DiscordError", "FetchError", "MeasurementError"}
    assert all(issubclass(error, index.NewsbotError) for error in app_errors)
