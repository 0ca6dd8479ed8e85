# Two commands on a fresh machine with only python3:
#   make demo   set up, then release, autograde and report on the demo cohort
#   make test   set up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export JAX_PLATFORMS := cpu

.PHONY: demo test setup refs clean browser sandbox

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools==84.2.1
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	# a kernelspec inside the venv, so notebooks run with the venv's python
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP) sandbox
	$(BIN)/grader demo

# Two processes, each running whole test files (their module fixtures are made once), the slowest files
# first (tests/conftest.py): 11 min 43 s on the 2-core reference machine with JAX's compilation caches
# filled, 16 min 1 s from empty ones. The suite holds under load (benchmarks/under_load.py).
test: $(STAMP) browser sandbox
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

# Headless Chromium for tests/test_pages_in_browser.py, and its driver for tests/test_lab_in_browser.py
# (Selenium drives it through chromedriver), from Debian's packages, when missing (needs root and
# apt-get). If they cannot be installed, make goes on and those tests are skipped with a message that
# says so.
browser:
	@missing=""; \
	{ command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } || missing=" chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (Debian packages) for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } \
	    >/dev/null 2>&1 || echo "could not install$$missing: the browser tests will be skipped"; \
	else echo "no$$missing and no root apt-get to install it: the browser tests will be skipped"; fi

# bubblewrap and util-linux's prlimit and setpriv, from Debian's packages, for the sandbox that
# grading kernels run in (tests/test_sandbox.py). If they cannot be installed, make goes on: sandboxed
# grading is not available and those tests are skipped with a message that says so.
sandbox:
	@missing=""; \
	command -v bwrap >/dev/null 2>&1 || missing=" bubblewrap"; \
	{ command -v prlimit >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; } || missing="$$missing util-linux"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (Debian packages) for sandboxed grading"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } \
	    >/dev/null 2>&1 || echo "could not install$$missing: sandboxed grading and its tests will be skipped"; \
	else echo "no$$missing and no root apt-get to install it: sandboxed grading and its tests will be skipped"; fi

refs: $(STAMP)
	$(BIN)/grader refs build

clean:
	rm -rf autograded/* feedback submitted gradebook.db grades.csv reports
