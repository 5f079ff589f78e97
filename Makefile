# Weidong District political language, 2018-2023: research compendium.
# `make` builds everything from the raw texts; `make test` checks it. See README.md.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CORPUS ?=
OUT    ?=
LEXICON ?=
SCHEDULER ?=
TIMEOUT ?=

.DEFAULT_GOAL := all
.PHONY: all test lab clean distclean bench help venv

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (weidong .venv)" >/dev/null
	touch $@

venv: $(VENV)/.installed  ## create .venv from requirements.txt (done by every target that needs it)

all: $(VENV)/.installed  ## run every notebook in order: tables, figures, html/ (CORPUS=dir [LEXICON=dir] OUT=dir for another corpus; SCHEDULER=tcp://host:8786 for a Dask cluster)
	$(PY) tools/run_notebooks.py $(if $(CORPUS),--corpus "$(CORPUS)") $(if $(LEXICON),--lexicon "$(LEXICON)") $(if $(OUT),--out "$(OUT)") $(if $(SCHEDULER),--scheduler "$(SCHEDULER)") $(if $(TIMEOUT),--timeout "$(TIMEOUT)")

test: $(VENV)/.installed  ## run the test suite (regenerates every output in a temporary folder and compares)
	$(PY) -m pytest tests -q

bench: $(VENV)/.installed  ## measure speed and memory; writes benchmarks/results.csv
	$(PY) benchmarks/bench.py

lab: $(VENV)/.installed  ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks

clean:  ## remove generated files that are not committed (html/, caches)
	rm -rf html .cache .pytest_cache results
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean  ## clean, and remove .venv too
	rm -rf $(VENV)
