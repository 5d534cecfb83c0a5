# One command runs the course, one runs the tests; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
PROFILE ?= laptop
FACES ?= procedural
CHROMIUM := /usr/bin/chromium

.PHONY: install course test lint lab bench runtime reference clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium, for tests/test_browser.py; Playwright drives it and never downloads one.
# Without apt-get (macOS, other distributions) the browser test skips, unless
# IMG2IMG_REQUIRE_BROWSER is set (CI sets it), and then it fails saying what is missing.
$(CHROMIUM):
	@if ! command -v apt-get >/dev/null 2>&1; then \
		echo "No apt-get here, so no $(CHROMIUM): tests/test_browser.py will skip. Install"; \
		echo "Chromium with your package manager and link it to $(CHROMIUM) to run it."; \
	else \
		echo "Installing Debian's chromium for tests/test_browser.py (apt-get, about a minute)"; \
		sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium \
			|| echo "Could not install chromium; tests/test_browser.py will skip or fail."; \
	fi

## Execute every notebook in order with the default (laptop) profile into build/, score the
## models it trained (benchmarks/scoreboard.py) and write the results page, docs/RESULTS.md.
## FACES chooses the faces: procedural (default), a folder, utkface:PATH, wiki_crop or lfw.
## Real faces write to build/faces/ (figures and RESULTS.md too), never to assets/ or docs/.
## Progress as each cell starts and once a minute; seconds per notebook at the end.
ifeq ($(FACES),procedural)
COURSE_OUT := build
FIGURES := $(CURDIR)/assets
RESULTS := docs/RESULTS.md
else
COURSE_OUT := build/faces
FIGURES := $(CURDIR)/build/faces/figures
RESULTS := build/faces/RESULTS.md
endif
# The scoreboard and the results page see the profile and faces the notebooks ran with.
COURSE_ENV := IMG2IMG_PROFILE=$(PROFILE) IMG2IMG_FACES="$(FACES)"
course: $(STAMP)
	mkdir -p $(COURSE_OUT) $(FIGURES)
	IMG2IMG_FIGURES=$(FIGURES) $(BIN)/python -m course_lib.runner --profile $(PROFILE) \
		--faces "$(FACES)" --output-dir $(COURSE_OUT)
	$(COURSE_ENV) $(BIN)/python benchmarks/scoreboard.py --profile $(PROFILE) \
		> $(COURSE_OUT)/scoreboard.txt
	$(COURSE_ENV) $(BIN)/python -m course_lib.results $(RESULTS) --profile $(PROFILE) \
		--faces "$(FACES)" --timings $(COURSE_OUT)/timings.json \
		--scoreboard $(COURSE_OUT)/scoreboard.txt $(addprefix $(COURSE_OUT)/,$(notdir $(NOTEBOOKS)))

## Unit tests, findings tests and every notebook under nbval with the smoke profile, side by
## side: the tests in two pytest-xdist workers, a test file to each, the two findings files
## first (one to each worker; they share notebook 02's model, trained once), and the course
## notebooks then the solutions in a third process, in order, with one model cache (the
## solutions load the course's models). The notebooks' log is printed at the end.
NBVAL := IMG2IMG_PROFILE=smoke IMG2IMG_FACES=procedural $(BIN)/python -m pytest --nbval-lax \
	--nbval-current-env --durations=10
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check course_lib tests benchmarks notebooks
	rm -rf build/test-data && mkdir -p build
	IMG2IMG_DATA=$(CURDIR)/build/test-data $(NBVAL) $(NOTEBOOKS) notebooks/solutions \
		> build/nbval.log 2>&1 & notebooks=$$!; \
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15 tests; \
	tests=$$?; wait $$notebooks; notebooks=$$?; \
	echo "=== every notebook under nbval: build/nbval.log ==="; cat build/nbval.log; \
	test $$tests -eq 0 -a $$notebooks -eq 0

lint: $(STAMP)
	$(BIN)/ruff check course_lib tests benchmarks notebooks
	$(BIN)/ruff format --check course_lib tests benchmarks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/faces.py
	$(BIN)/python benchmarks/blur_pairs.py
	$(BIN)/python benchmarks/facades.py
	$(BIN)/python benchmarks/train_throughput.py

## Time every notebook with PROFILE (default laptop) and a fresh, empty model cache.
runtime: $(STAMP)
	$(BIN)/python benchmarks/course_runtime.py --profile $(PROFILE) --fresh

## Retrain the reference weights the course ships (course_lib/reference_weights/): notebook 05's
## facades CycleGAN, 12 times its laptop budget, and its four pitfall runs, 5 times that
## budget; manifest.json records each run's time. It resumes after a crash; delete its models
## in the data folder to train it afresh.
reference: $(STAMP)
	$(BIN)/python -m course_lib.experiments.reference_runs

clean:
	rm -rf build
