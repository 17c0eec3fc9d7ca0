# A fresh machine needs only `make demo` and `make test`: each creates .venv
# and installs the project (editable) with pinned dependencies.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench docs clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 not found; using python3"; }
	@($(PY) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV))
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/govcrawl demo

test: $(STAMP)
	@for t in soffice:libreoffice-writer-nogui antiword:antiword tesseract:tesseract-ocr; do \
	  command -v $${t%%:*} >/dev/null || echo "make test: $${t%%:*} missing: apt-get install $${t#*:} (tests that need it will fail)"; done
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/govcrawl keys --markdown -o docs/metric-keys.md

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Removes what make itself created; a crawl's govcrawl.db and archive/ are data, never removed.
clean:
	rm -rf $(VENV)
	@if [ -f demo-out/.govcrawl-demo ]; then rm -rf demo-out; fi
