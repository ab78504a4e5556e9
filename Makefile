# Two commands for a fresh machine: `make run` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
STAMP := $(VENV)/.installed
EMBEDDINGS := var/embeddings.npz
LANGS := kk ru en
PO := $(foreach l,$(LANGS),locales/$(l)/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run console test lint check bench docs servers babel-extract babel-update babel-compile clean

run: setup
	$(PY) -m bot run

console: setup
	$(PY) -m bot console

test: setup servers
	$(PY) -m ruff check .
	$(PY) -m bot check
	$(PY) -m pytest

check: setup
	$(PY) -m bot check

lint: setup
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: setup
	$(PY) benchmarks/match_bench.py

# docs/console.txt: the offline console driven by fixed inputs, with a throwaway database.
docs: setup
	PYTHON=$(PY) sh docs/make_console_transcript.sh

setup: $(STAMP) $(MO) $(EMBEDDINGS)

# Servers the tests start and stop themselves (tests/postgres.py, tests/redis_server.py):
# PostgreSQL, on which the database and end-to-end tests run too, and Redis, which several
# instances share. Debian's packages, installed here when missing.
servers:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || missing="postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The FAQ phrasings' vectors for matching by meaning (about a minute from scratch; an edited
# FAQ embeds only what changed). Without it the first start builds it.
$(EMBEDDINGS): data/faq.yaml data/asked.jsonl $(STAMP)
	$(PY) -m bot embed
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled catalogs are build output: produced here, never committed.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) compile --statistics -d locales -D messages -l $*

babel-extract: $(STAMP)
	$(PYBABEL) extract -F babel.cfg -k _ -k __ -k lazy_gettext --no-location --no-wrap \
		--sort-output -o locales/messages.pot bot

babel-update: babel-extract
	for l in $(LANGS); do \
		if [ -f locales/$$l/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update -d locales -D messages -l $$l -i locales/messages.pot \
				--no-fuzzy-matching --ignore-obsolete --no-wrap; \
		else \
			$(PYBABEL) init -d locales -D messages -l $$l -i locales/messages.pot --no-wrap; \
		fi; \
	done

babel-compile: $(MO)

clean:
	rm -rf $(VENV) $(MO) .pytest_cache .ruff_cache
