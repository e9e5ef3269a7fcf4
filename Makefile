# The few commands everyone needs. `make run` and `make test` set everything up on first use.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint lock

run: $(INSTALLED)
	@$(BIN)/newsbot

test: $(INSTALLED)
	$(BIN)/python -m pytest

# ruff's lint and format check over everything, mypy over the library and the app (all pinned in the lint extra).
lint: $(INSTALLED)
	$(BIN)/ruff check bot index tests
	$(BIN)/ruff format --check bot index tests
	$(BIN)/mypy

# pip runs with -qq: the steps say what they do, and pip speaks only of errors.
# torch is installed first and pinned: 2.13.0 is the CPU build; an unpinned torch, asked for
# by sentence-transformers, would pull a CUDA build of several GB. Everything else comes at the
# exact versions of requirements.lock; `pip check` then proves they satisfy pyproject.toml.
$(INSTALLED): pyproject.toml requirements.lock
	@echo "newsbot: setting up $(VENV) (first run only, about 2 minutes)"
	@python3 -m venv $(VENV)
	@echo "newsbot: [1/4] upgrading pip"
	@$(BIN)/python -m pip install -qq --upgrade pip
	@echo "newsbot: [2/4] installing PyTorch 2.13.0, the CPU build (about 700 MB unpacked, under a minute)"
	@$(BIN)/python -m pip install -qq torch==2.13.0
	@echo "newsbot: [3/4] installing the locked dependencies of requirements.lock (about a minute)"
	@$(BIN)/python -m pip install -qq -r requirements.lock
	@echo "newsbot: [4/4] installing newsbot itself and checking the dependencies fit"
	@$(BIN)/python -m pip install -qq --no-deps -e '.[test]'
	@$(BIN)/python -m pip check >/dev/null || $(BIN)/python -m pip check
	@touch $(INSTALLED)
	@echo "newsbot: $(VENV) is ready"

# After changing the dependencies in pyproject.toml: resolve them again and write requirements.lock.
lock: $(INSTALLED)
	$(BIN)/python -m pip install -qq -e '.[test]'
	{ sed -n '1,3p' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable | grep -iv '^newsbot'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
