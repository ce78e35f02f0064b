# Two commands on a fresh machine (Python 3.11 + pip is all it needs):
#   make run   -- set up, seed the demo on the embedded SQLite database, start the app
#   make test  -- set up (Python packages, and PostgreSQL + Chromium from Debian when missing), run every test
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8501

.PHONY: venv run test test-fast system-deps bench samples screenshots clean

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv || true
	if [ -x $(VENV)/bin/uv ]; then \
	  $(VENV)/bin/uv pip install --python $(PY) --quiet -r requirements.txt; \
	else \
	  $(PY) -m pip install --quiet -r requirements.txt; \
	fi
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(PY) -m tracker demo --if-empty
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

system-deps:
	bash scripts/system-deps.sh

test: venv system-deps
	bash scripts/test.sh

# The quick loop while developing: no slow marker, no PostgreSQL/browser setup.
test-fast: venv
	$(PY) -m pytest -q -m "not slow"

samples: venv
	$(PY) sample_images/generate.py

bench: venv
	$(PY) benchmarks/accuracy.py
	$(PY) benchmarks/speed.py

clean:
	rm -rf $(VENV) .pytest_cache

# Screenshots of every page at 390 px and 1280 px with Debian's Chromium (see README "The app").
screenshots: venv
	$(PY) -m tests.browser.screenshots docs/screenshots
