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
    assert sorted(index.__all__) == [
        "ARTICLE_SUFFIXES", "Article", "ArticleMeta", "BUNDLED_MODEL", "BuildProgress", "BuildReport", "Chunk",
        "ChunkerSettings", "ConfigError", "CorpusError", "CorpusLoad", "Embedder", "FilterError", "Hit", "IndexBusyError",
        "IndexMismatchError", "IndexMissingError", "IndexStats", "ModelError", "NewsIndex", "NewsbotError",
        "RUNTIMES", "SEARCH_MODES", "SearchFilters", "SearchMode", "SentenceTransformerEmbedder", "build_index",
        "corpus_fingerprint", "embedder_name", "load_corpus", "load_corpus_file", "load_embedder", "parse_query",
        "sentence_spans", "update_index",
    ]
    for name in index.__all__:
        assert hasattr(index, name)


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
