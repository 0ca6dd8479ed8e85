# Two commands on a fresh machine with only python3:
#   make demo   set up, then release, autograde and report on the demo cohort
#   make test   set up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export JAX_PLATFORMS := cpu

.PHONY: demo test setup refs clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools==84.2.1
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	# a kernelspec inside the venv, so notebooks run with the venv's python
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/grader demo

test: $(STAMP)
	$(BIN)/python -m pytest

refs: $(STAMP)
	$(BIN)/grader refs build

clean:
	rm -rf autograded/* feedback submitted gradebook.db grades.csv reports
