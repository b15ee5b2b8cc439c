# Set up a project-local virtual environment and run the demo or the tests.
#   make demo   - set up (once) and run the main job on the embedded demo dataset
#   make test   - set up (once) and run the test suite
# GPU users: create .venv and install their CUDA build of torch into it first;
# the torch step below keeps any torch that already imports.

PYTHON ?= python3
VENV ?= .venv
TORCH_VERSION ?= 2.13.0
MMCV_VERSION ?= 2.1.0
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.mmwsss-installed

.PHONY: setup demo test clean-venv

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(PY)
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install torch==$(TORCH_VERSION)
	touch $@

# mmcv 2.1.0 has no wheel for current torch: build it from source with its CPU ops
# (about 9 minutes on 2 cores the first time; pip caches the wheel afterwards).
$(VENV)/.mmcv: $(VENV)/.torch
	$(PY) -c "import mmcv.ops" 2>/dev/null || { \
	  $(PIP) install "setuptools<70" wheel ninja && \
	  MMCV_WITH_OPS=1 MAX_JOBS=$${MAX_JOBS:-2} $(PIP) install --no-build-isolation mmcv==$(MMCV_VERSION); }
	touch $@

$(STAMP): $(VENV)/.mmcv setup.py
	$(PIP) install -e ".[tests]"
	touch $@

demo: $(STAMP)
	$(PY) tools/run_demo.py

# One thread per process: the tests are small, and several torch processes
# (tools run in subprocesses, torchrun ranks) must not oversubscribe the cores.
test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest tests

clean-venv:
	rm -rf $(VENV)
