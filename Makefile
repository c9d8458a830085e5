# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv (the machine's python3, 3.11), install the project
# editable with its dev extras and build the C++ extension; later calls only
# rebuild what changed.  `make` / `make test` also create .venv-lava (Python 3.10,
# found by tools/find_python.sh: lava-nc 0.10 needs < 3.11 and numpy < 2), the
# environment of the Lava worker process, with the project installed in it too (grenade/lava,
# docs/lava.md).

VENV      := .venv
PYTHON    := $(VENV)/bin/python
BASE_PY   := $(shell command -v python3)
STAMP     := $(VENV)/.installed
LAVA_VENV  := .venv-lava
LAVA_PY    := $(LAVA_VENV)/bin/python
LAVA_STAMP := $(LAVA_VENV)/.installed
CPP_SRC   := $(wildcard cpp/*.cpp cpp/*.h cpp/routing/*.cpp)
PYTEST_ARGS ?= -n 2
# A representative part of the suite once more through the co-simulation transport
# (HXCOMM_BACKEND=sim: each test process starts its own `python -m hxsim.serve` on loopback,
# tests/conftest.py): container round trips, grenade execution, PyNN runs.
SIM_TESTS := tests/stadls tests/grenade/test_execution.py tests/grenade/test_emulator_reference.py \
             tests/grenade/test_timed_writes.py tests/pynn_brainscales/test_runs.py \
             tests/pynn_brainscales/test_pynn.py tests/pynn_brainscales/test_semantics.py \
             tests/pynn_brainscales/test_pynn_unittests.py tests/lola/test_board_and_readout_chain.py \
             tests/examples tests/hxcomm/test_connection.py
# PyNN's backend-independent unit tests (sdist only, not in the wheel), run against our backend
# by tests/pynn_brainscales/test_pynn_unittests.py; never committed (.venv is git-ignored)
PYNN_VERSION   := 0.13.0
PYNN_TESTS     := $(VENV)/pynn-tests/$(PYNN_VERSION)

# Brian2 for the speed benches (bench/adex512_chip.py, bench/speed_targets.py): Brian2 2.9 (the
# newest on the index) does not import with the dev venv's numpy >= 2.4, so it gets its own venv;
# the benches find it at .venv-bench/bin/python (or $BRIAN2_PYTHON).
BENCH_VENV  := .venv-bench
BENCH_PY    := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: all install test demo bench bench-env validate clean

all: install

$(PYTHON):
	$(BASE_PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

$(STAMP): $(PYTHON) pyproject.toml CMakeLists.txt $(CPP_SRC)
	$(PYTHON) -m pip install --quiet "scikit-build-core>=0.9" "pybind11>=2.11" ninja
	$(PYTHON) -m pip install --quiet --no-build-isolation -e ".[dev]"
	test -f $(PYNN_TESTS)/test/unittests/__init__.py || { \
	  rm -rf $(PYNN_TESTS).tmp && mkdir -p $(PYNN_TESTS).tmp && \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: pyNN==$(PYNN_VERSION) -d $(PYNN_TESTS).tmp && \
	  tar -xzf $(PYNN_TESTS).tmp/*.tar.gz -C $(PYNN_TESTS).tmp && \
	  rm -rf $(PYNN_TESTS) && mkdir -p $(PYNN_TESTS) && \
	  mv $(PYNN_TESTS).tmp/*-$(PYNN_VERSION)/test $(PYNN_TESTS)/test && rm -rf $(PYNN_TESTS).tmp; }
	touch $(STAMP)

install: $(STAMP) $(LAVA_STAMP)

# The Lava worker's environment: lava-nc, numpy < 2, nir and the project itself (editable, no dev
# extras; its C++ extension is built once more for 3.10 in build/cp310-*, incrementally after
# changes to cpp/), so Lava processes can run networks on the emulated chip (grenade.lava.bss2)
$(LAVA_STAMP): tools/find_python.sh pyproject.toml CMakeLists.txt $(CPP_SRC)
	test -x $(LAVA_PY) || "$$(tools/find_python.sh --lava)" -m venv $(LAVA_VENV)
	$(LAVA_PY) -m pip install --quiet "lava-nc==0.10.0" "numpy<2" "nir>=1.0.8,<1.1" \
	  "scikit-build-core>=0.9" "pybind11>=2.11" ninja
	$(LAVA_PY) -m pip install --quiet --no-build-isolation -e .
	touch $(LAVA_STAMP)

test: $(STAMP)
test: $(LAVA_STAMP)
	$(PYTHON) -m ruff check .
	$(VENV)/bin/clang-format --dry-run -Werror cpp/*.cpp cpp/*.h cpp/routing/*.cpp
	$(PYTHON) -m pytest $(PYTEST_ARGS)
	HXCOMM_BACKEND=sim $(PYTHON) -m pytest $(PYTEST_ARGS) $(SIM_TESTS)

demo: $(STAMP)
	$(PYTHON) examples/demo.py
	mkdir -p out
	$(PYTHON) examples/commissioning.py --out out/commissioning.png
	$(PYTHON) examples/pynn_experiment.py --out out/pynn_experiment.png
	$(PYTHON) examples/pynn_balanced.py --out out/pynn_balanced.png

bench-env: $(BENCH_STAMP)

$(BENCH_STAMP):
	test -x $(BENCH_PY) || $(BASE_PY) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet "brian2==2.9.0" "numpy>=1.26,<2.4" setuptools
	$(BENCH_PY) -c "import brian2, numpy; print('brian2', brian2.__version__, 'numpy', numpy.__version__)"
	touch $(BENCH_STAMP)

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(PYTHON) $$b || exit 1; done

# Emulator vs numpy reference and Brian2 -> docs/validation.md (+ figures);
# installs the optional `validation` extra (brian2, matplotlib) into .venv.
validate: $(STAMP)
	$(PYTHON) -m pip install --quiet --no-build-isolation -e ".[dev,validation]"
	$(PYTHON) tools/validate_emulator.py

clean:
	rm -rf build $(VENV) .pytest_cache .hypothesis
	rm -rf $(LAVA_VENV) $(BENCH_VENV)
