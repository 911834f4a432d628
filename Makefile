# One entry point for every task; .ci/run calls these same targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=
LINTED := src tests $(wildcard benchmarks)

.PHONY: install demo serve test lint format bench messages system-deps clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)  ## virtual environment with LifeNet and its development tools

demo: install  ## embedded SQLite database + demo network, served on http://127.0.0.1:8000
	$(BIN)/lifenet demo

serve: install  ## the configured database (LIFENET_DATABASE_URL), no demo data
	$(BIN)/lifenet serve

system-deps:  ## Debian's chromium and CJK fonts for the browser tests (needs root; skipped otherwise)
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "note: chromium/fonts-noto-cjk missing and not root: browser tests will be skipped"; fi

test: install system-deps  ## the whole suite: SQLite always, PostgreSQL too when LIFENET_TEST_DATABASE_URL is set
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install  ## ruff (check and format) and mypy strict on src/
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

format: install
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

bench: install  ## speed targets, as ratios against a baseline measured in the same run
	@for script in $(wildcard benchmarks/*.py); do echo "== $$script"; $(BIN)/python $$script --quick || exit 1; done

messages: install  ## refresh the translation catalog from the sources
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --sort-output --project LifeNet -o /tmp/lifenet.pot .
	$(BIN)/pybabel update -i /tmp/lifenet.pot -d src/lifenet/web/locale -l zh_Hans --no-fuzzy-matching --width 110

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
