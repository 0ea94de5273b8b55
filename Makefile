# rnn-distance. Every target sets itself up: on first use it creates a virtual
# environment in .venv from requirements.txt (plus requirements-sweep.txt for the
# sweep and the tests, and requirements-dev.txt for the tests) and reinstalls when
# one of those files changes.
#
# PYTHON=/path/to/python runs with an interpreter you already have (Colab):
# no virtual environment is made, and the requirements are installed into that
# interpreter once (pip keeps an already-installed TensorFlow that satisfies them).

# Variables. `make help` prints this list and the targets below from their `##` comments, so
# that it cannot fall behind the Makefile. A variable that is set is passed to the flag its
# comment names; EXTRA= passes any other flags.
CELL ?=##             train: --cell (the recurrent cell, e.g. gru, lstm, min_gru)
BACKEND ?=##          train, sweep, horizon, bench: --backend (tensorflow or jax; sweep and horizon: jax unless set, measured fastest)
TASK ?=##             train, preview: --task; horizon: --tasks (copy, agreement or adding)
DISTANCE ?=##         train, preview: --distance
STEPS ?=##            train, sweep, horizon: --steps (each run's or probe's budget)
ATTRACTORS ?=##       train, preview: --attractors (agreement)
UNITS ?=##            train, sweep, horizon: --units
SEED ?=##             train, preview, sweep, horizon: --seed (the first seed for sweep and horizon)
SEEDS ?=##            sweep, horizon: --seeds
COUNT ?=##            preview: --count
SWEEP ?= quick##      sweep: --preset (quick or full), and the directory LOGDIR/sweep-SWEEP
CELLS ?=##            sweep, horizon: --cells
TASKS ?=##            sweep, horizon: --tasks
DISTANCES ?=##        sweep: --distances
START ?=##            horizon: --start
LONGEST ?=##          horizon: --longest
RESOLUTION ?=##       horizon: --resolution
LEARNING_RATES ?=##   horizon: --learning_rates
PROBE_DISTANCES ?=##  horizon: --probe_distances (range or fixed)
ADDRESS ?=##          sweep, horizon: --address (a Ray cluster's head, host:port)
CPUS_PER_RUN ?=##     sweep, horizon: --cpus_per_run (1 unless set: measured fastest, docs/benchmarks.md)
GPUS_PER_RUN ?=##     sweep, horizon: --gpus_per_run
LOGDIR ?= logs##      train: --logdir; sweep: --logdir=LOGDIR/sweep-SWEEP; horizon: --logdir=LOGDIR/horizon; tensorboard: --logdir
PORT ?= 6006##        tensorboard: --port
SCREENSHOT_LOGDIR ?=##screenshots: --logdir (logs to shoot; default: two small runs made for it)
EXTRA ?=##            every target that runs a command: any other flags, e.g. EXTRA='--chrono --eval_every=250'
PYTEST_ARGS ?=##      test: arguments for pytest, e.g. PYTEST_ARGS='-m "not integration"'
PYTHON ?=##           every target: an interpreter you already have (Colab) instead of VENV; no environment is made
VENV ?= .venv##       every target: where the virtual environment is made
BOOTSTRAP_PYTHON ?= python3##the interpreter that makes VENV

# The environment made here is filled by uv: the same packages as pip, in 21 s from an empty
# cache where pip took 84 s from a full one (2-core machine). An interpreter you already have
# gets its own pip.
ifdef PYTHON
RUN := $(PYTHON)
STAMPS := .make-stamps
INSTALL := $(PYTHON) -m pip install --quiet
else
RUN := $(VENV)/bin/python
STAMPS := $(VENV)
INSTALL := $(RUN) -m uv pip install --quiet --python $(RUN)
endif

# Hide TensorFlow's start-up INFO lines; warnings and errors still show.
export TF_CPP_MIN_LOG_LEVEL ?= 1

flag = $(if $($(1)),--$(2)=$($(1)))
# The study's defaults, measured fastest on the 2-core machine (docs/benchmarks.md, tools.search_speed).
STUDY_BACKEND := jax
STUDY_CPUS_PER_RUN := 1

.DEFAULT_GOAL := help
.PHONY: help setup test bench preview train sweep horizon tensorboard screenshots clean

help: ## print these targets and variables, from the comments of this Makefile
	@echo "Targets (make TARGET VARIABLE=value ...):"
	@awk -F':.*## ' '/^[a-z]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))
	@echo "Variables, and the flags they set:"
	@awk -F' *\\?= *' '/^[A-Z_]+ \?=.*##/ {split($$2, parts, "##"); sub(/^ +/, "", parts[2]); printf "  %-18s %-8s %s\n", $$1, parts[1], parts[2]}' $(firstword $(MAKEFILE_LIST))

$(STAMPS)/runtime.stamp: requirements.txt
ifndef PYTHON
	@test -x $(VENV)/bin/python || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip uv
endif
	$(INSTALL) -r requirements.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev.stamp: requirements-dev.txt $(STAMPS)/runtime.stamp
	$(INSTALL) -r requirements-dev.txt
	@touch $@

$(STAMPS)/sweep.stamp: requirements-sweep.txt $(STAMPS)/runtime.stamp
	$(INSTALL) -r requirements-sweep.txt
	@touch $@

setup: $(STAMPS)/runtime.stamp ## make the environment only (the other targets make it when they need it)

test: $(STAMPS)/dev.stamp $(STAMPS)/sweep.stamp ## run the test suite (PYTEST_ARGS=)
	$(RUN) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMPS)/runtime.stamp ## print the throughput tables (EXTRA=--sections=...)
	$(RUN) -m tools.bench $(call flag,BACKEND,backend) $(EXTRA)

preview: $(STAMPS)/runtime.stamp ## print readable examples of a task (TASK= DISTANCE= ATTRACTORS= COUNT= SEED=; EXTRA=--shortcuts)
	$(RUN) -m trainer.preview $(call flag,TASK,task) $(call flag,DISTANCE,distance) $(call flag,ATTRACTORS,attractors) $(call flag,COUNT,count) $(call flag,SEED,seed) $(EXTRA)

train: $(STAMPS)/runtime.stamp ## train one cell, log to TensorBoard (CELL= TASK= DISTANCE= STEPS= UNITS= SEED= ATTRACTORS=)
	$(RUN) -m trainer.train $(call flag,BACKEND,backend) $(call flag,CELL,cell) $(call flag,TASK,task) $(call flag,DISTANCE,distance) $(call flag,STEPS,steps) $(call flag,ATTRACTORS,attractors) $(call flag,UNITS,units) $(call flag,SEED,seed) --logdir=$(LOGDIR) $(EXTRA)

sweep: $(STAMPS)/sweep.stamp ## every cell x task x a few distances on Ray, then a summary (SWEEP= CELLS= TASKS= DISTANCES= SEEDS= ...)
	$(RUN) -m trainer.sweep --backend=$(or $(BACKEND),$(STUDY_BACKEND)) --preset=$(SWEEP) $(call flag,CELLS,cells) $(call flag,TASKS,tasks) $(call flag,DISTANCES,distances) $(call flag,STEPS,steps) $(call flag,UNITS,units) $(call flag,SEED,seed) $(call flag,SEEDS,seeds) $(call flag,ADDRESS,address) --cpus_per_run=$(or $(CPUS_PER_RUN),$(STUDY_CPUS_PER_RUN)) $(call flag,GPUS_PER_RUN,gpus_per_run) --logdir=$(LOGDIR)/sweep-$(SWEEP) $(EXTRA)

horizon: $(STAMPS)/sweep.stamp ## the memory-horizon search on Ray (TASK= CELLS= SEEDS= STEPS= START= LONGEST= ...)
	$(RUN) -m trainer.horizon --backend=$(or $(BACKEND),$(STUDY_BACKEND)) $(call flag,TASK,tasks) $(call flag,TASKS,tasks) $(call flag,CELLS,cells) $(call flag,SEED,seed) $(call flag,SEEDS,seeds) $(call flag,STEPS,steps) $(call flag,UNITS,units) $(call flag,START,start) $(call flag,LONGEST,longest) $(call flag,RESOLUTION,resolution) $(call flag,LEARNING_RATES,learning_rates) $(call flag,PROBE_DISTANCES,probe_distances) $(call flag,ADDRESS,address) --cpus_per_run=$(or $(CPUS_PER_RUN),$(STUDY_CPUS_PER_RUN)) $(call flag,GPUS_PER_RUN,gpus_per_run) --logdir=$(LOGDIR)/horizon $(EXTRA)

screenshots: $(STAMPS)/runtime.stamp ## a PNG of each TensorBoard dashboard in screenshots/ (headless Chromium)
	$(RUN) -m tools.screenshots $(call flag,SCREENSHOT_LOGDIR,logdir) --out=screenshots $(EXTRA)

tensorboard: $(STAMPS)/runtime.stamp ## serve LOGDIR on http://127.0.0.1:PORT
	$(RUN) -m tensorboard.main --logdir=$(LOGDIR) --host=127.0.0.1 --port=$(PORT)

clean: ## remove the environment and caches (not the logs)
	rm -rf $(VENV) .make-stamps .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
