# Two commands on a fresh clone: `make run` (the bot; the sandbox when no token is set) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check lint messages clean

# `make run` installs what running needs (the bot, and the sandbox for the demo); `make test` adds the
# development tools (pytest, ruff, mypy, playwright), which a first run does not need.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml sandbox/pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e . -e ./sandbox
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml sandbox/pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]' -e ./sandbox
	touch $(RUN_STAMP) $(DEV_STAMP)

run: $(RUN_STAMP)
	$(PY) -m bot run

test: $(DEV_STAMP)
	tests/with-postgres $(PY) -m pytest -n auto

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy bot sandbox tests bench

# After changing texts in the code: refresh the template and every catalog, then translate the new entries.
messages: $(DEV_STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project=Repères --copyright-holder="Repères contributors" -o locales/messages.pot bot
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching
	$(PY) locales/fill_french.py

clean:
	rm -rf $(VENV)
