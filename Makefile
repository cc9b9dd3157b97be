# cunwu: `make run` serves the demo on SQLite; `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
MO := src/cunwu/locale/zh_Hans/LC_MESSAGES/django.mo
PO := src/cunwu/locale/zh_Hans/LC_MESSAGES/django.po

.PHONY: install run test test-sqlite test-postgres bench lint system-deps clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(MO): $(PO)
	command -v msgfmt >/dev/null || bash scripts/system-deps.sh gettext
	msgfmt --check -o $(MO) $(PO)

install: $(STAMP) $(MO)

run: install
	bash scripts/system-deps.sh espeak-ng || echo "espeak-ng not installed: read-aloud uses the browser's own voice"
	$(BIN)/cunwu migrate --no-input -v0
	test -f var/.regions-2023 || ($(BIN)/cunwu regions import && touch var/.regions-2023)
	$(BIN)/cunwu demo
	bash -c 'trap "kill 0" EXIT; $(BIN)/cunwu worker & CUNWU_DEMO=1 CUNWU_DEMO_SMS_ON_SCREEN=1 $(BIN)/cunwu serve --port 8000'

system-deps:
	bash scripts/system-deps.sh

test: install system-deps
	bash scripts/test.sh

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install system-deps
	bash scripts/test.sh postgres

bench: install system-deps
	bash scripts/bench.sh

lint: install
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) var artifacts
