# make run   - the demo shop on http://127.0.0.1:5000 from fresh demo data (make run PORT=5077)
# make test  - create .venv, install with test extras, compile translations, run pytest
# make lint  - ruff and mypy;  make bench - the benchmarks (make bench-quick: CI sizes);
# make translations - extract/update/compile

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test hostile lint bench bench-quick translations compile-translations wheel clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis,signing]'
	touch $(STAMP)

compile-translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d translations -D withdrawal

# Every run starts from fresh demo data, so each demo order shows its case (README). The
# delivery worker runs beside the web server, as in production, and stops with it.
run: compile-translations
	DEMO_SHOP=1 $(BIN)/flask --app wsgi withdrawal demo-reset
	DEMO_SHOP=1 $(BIN)/flask --app wsgi withdrawal deliver --loop & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEMO_SHOP=1 $(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

# pytest exits 5 when it collected no test: make treats any non-zero exit as a failure.
# The browser tests run in a pytest process of their own: Playwright's sync API leaves an
# asyncio loop marked running in the main thread, and pyHanko's seal calls asyncio.run().
test: compile-translations
	$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/browser
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/browser

# The hostile-input tests at 10,000 requests per form (docs/security.md): about 70 minutes of
# one CPU, so nightly or before a release; `make test` runs them at 300 (1,000 with CI=true).
hostile: compile-translations
	HYPOTHESIS_PROFILE=full $(BIN)/python -m pytest $(PYTEST_ARGS) tests/hostile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every bench/*.py (not the helpers, bench/_*.py) prints its figures beside their references
# and writes bench/results/<name>.json (docs/performance.md). BENCH_ARGS, e.g. --url, go to each.
BENCH_ARGS ?=
bench: compile-translations
	@for script in bench/[!_]*.py; do echo "== $$script"; \
		$(BIN)/python $$script $(BENCH_ARGS) || exit 1; done

bench-quick:
	$(MAKE) bench BENCH_ARGS="--quick $(BENCH_ARGS)"

# Extract every msgid (see babel.cfg) into the template, merge it into each language's catalogue
# (new entries empty, changed ones fuzzy: tests/i18n fails until a translator has seen them;
# entries no longer used are dropped), then compile. docs/i18n.md: adding or completing a language.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext -k pgettext:1c,2 \
		-k lazy_pgettext:1c,2 --add-comments=Translators: \
		--no-wrap --sort-by-file --project=withdrawal --copyright-holder="The withdrawal developers" \
		-o translations/withdrawal.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i translations/withdrawal.pot -d translations \
		-D withdrawal
	$(MAKE) compile-translations

wheel: compile-translations
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
