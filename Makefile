# The few commands everyone needs. `make run` and `make test` set everything up on first use.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint

run: $(INSTALLED)
	$(BIN)/newsbot

test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check bot index tests

# torch is installed first and pinned: 2.13.0 is the CPU build; an unpinned torch, asked for
# by sentence-transformers, would pull a CUDA build of several GB.
$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)
