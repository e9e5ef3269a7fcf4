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
    assert sorted(index.__all__) == sorted([
        "EMBEDDING_BATCH", "PASSAGES_PER_ANSWER", "VERSIONS_KEPT",
        "ARTICLE_SUFFIXES", "Article", "ArticleMeta", "BuildProgress", "BuildReport", "Chunk", "ChunkerSettings",
        "CorpusLoad", "HeldLock", "StoredVersion", "build_index", "build_lock", "chunk_article", "corpus_fingerprint",
        "load_corpus", "load_corpus_file", "rollback", "sentence_spans", "update_index",
        "NewVersion", "PostgresStore", "VersionChanged", "VersionStore", "as_store", "connect_database", "copy_version",
        "BUNDLED_MODEL", "RUNTIMES", "Embedder", "SentenceTransformerEmbedder", "embedder_name", "load_embedder",
        "hub_offline", "resolve_model_path",
        "Hit", "IndexStats", "NewsIndex", "QuestionTerms", "SEARCH_MODES", "SearchFilters", "SearchMode", "judge",
        "parse_filter_date", "parse_query",
        "EvalReport", "evaluate", "percentile", "query_metrics", "read_qrels", "read_queries",
        "exact_neighbours", "synthetic_questions", "synthetic_version",
        "ConfigError", "CorpusError", "DatabaseError", "DiscordError", "FilterError", "IndexBusyError", "IndexMismatchError",
        "IndexMissingError", "MeasurementError", "ModelError", "NewsbotError", "SearchTimeoutError", "StorageError", "UsageError",
    ])
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
        "000_d9337505ec262534.meta.toml", "000_d9337505ec262534.txt", "001_4589706aa8a54f74.txt"]


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
                    assert providers & declared, f"{path.relative_to(ROOT)} imports {module}, which pyproject.toml does not declare"
    assert "lxml-html-clean" in runtime  # trafilatura imports lxml.html.clean (see pyproject.toml)
