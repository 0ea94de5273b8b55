# rnn-distance. Every target sets itself up: on first use it creates a virtual
# environment in .venv from requirements.txt (plus requirements-sweep.txt for the
# sweep and the tests, and requirements-dev.txt for the tests) and reinstalls when
# one of those files changes.
#
# PYTHON=/path/to/python runs with an interpreter you already have (Colab):
# no virtual environment is made, and the requirements are installed into that
# interpreter once (pip keeps an already-installed TensorFlow that satisfies them).

BOOTSTRAP_PYTHON ?= python3
VENV ?= .venv

ifdef PYTHON
RUN := $(PYTHON)
STAMPS := .make-stamps
else
RUN := $(VENV)/bin/python
STAMPS := $(VENV)
endif

# Hide TensorFlow's start-up INFO lines; warnings and errors still show.
export TF_CPP_MIN_LOG_LEVEL ?= 1

# Variables passed to the commands' flags when set (EXTRA= takes any other flags).
CELL ?=
TASK ?=
DISTANCE ?=
STEPS ?=
ATTRACTORS ?=
UNITS ?=
SEED ?=
SEEDS ?=
START ?=
LONGEST ?=
RESOLUTION ?=
LEARNING_RATES ?=
PROBE_DISTANCES ?=
SCREENSHOT_LOGDIR ?=
COUNT ?=
SWEEP ?= quick
CELLS ?=
TASKS ?=
DISTANCES ?=
ADDRESS ?=
CPUS_PER_RUN ?=
GPUS_PER_RUN ?=
LOGDIR ?= logs
PORT ?= 6006
EXTRA ?=
flag = $(if $($(1)),--$(2)=$($(1)))

.DEFAULT_GOAL := help
.PHONY: help setup test bench preview train sweep horizon tensorboard screenshots clean

help:
	@echo "make train CELL=gru                    train one cell, log to TensorBoard (TASK= DISTANCE= STEPS= ATTRACTORS= UNITS= SEED= EXTRA='--flag=value')"
	@echo "make sweep SWEEP=quick                 train every cell on every task at several distances, then summarise"
	@echo "                                       (SWEEP=full for a GPU; CELLS=rnn,gru TASKS=copy DISTANCES=5,20 STEPS= UNITS= SEED=)"
	@echo "                                       on Ray: this machine, or a cluster with ADDRESS=host:port; CPUS_PER_RUN= GPUS_PER_RUN="
	@echo "                                       SEEDS=3 trains every grid point from 3 seeds"
	@echo "make horizon TASK=copy CELLS=rnn,lstm,gru,lstm:chrono"
	@echo "                                       the memory-horizon search: where half of SEEDS=5 seeds stop solving, with its"
	@echo "                                       interval, at budgets up to STEPS= (START= LONGEST= RESOLUTION= UNITS="
	@echo "                                       LEARNING_RATES= PROBE_DISTANCES=range|fixed; Ray flags as for the sweep)"
	@echo "make tensorboard                       serve the logs on http://localhost:$(PORT)"
	@echo "make screenshots                       PNGs of each TensorBoard dashboard in screenshots/ (headless Chromium;"
	@echo "                                       SCREENSHOT_LOGDIR=logs/... to shoot your logs, else two small runs)"
	@echo "make preview TASK=agreement DISTANCE=8 print a few readable examples (ATTRACTORS= COUNT= SEED=; EXTRA=--shortcuts for the shortcut baselines)"
	@echo "make test                              run the test suite"
	@echo "make bench                             print throughput tables"
	@echo "make clean                             remove the environment and caches (not the logs)"
	@echo "Add PYTHON=/path/to/python to use an interpreter you already have instead of .venv."

$(STAMPS)/runtime.stamp: requirements.txt
ifndef PYTHON
	@test -x $(VENV)/bin/python || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip
endif
	$(RUN) -m pip install --quiet -r requirements.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev.stamp: requirements-dev.txt $(STAMPS)/runtime.stamp
	$(RUN) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(STAMPS)/sweep.stamp: requirements-sweep.txt $(STAMPS)/runtime.stamp
	$(RUN) -m pip install --quiet -r requirements-sweep.txt
	@touch $@

setup: $(STAMPS)/runtime.stamp

test: $(STAMPS)/dev.stamp $(STAMPS)/sweep.stamp
	$(RUN) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMPS)/runtime.stamp
	$(RUN) -m tools.bench $(EXTRA)

preview: $(STAMPS)/runtime.stamp
	$(RUN) -m trainer.preview $(call flag,TASK,task) $(call flag,DISTANCE,distance) $(call flag,ATTRACTORS,attractors) $(call flag,COUNT,count) $(call flag,SEED,seed) $(EXTRA)

train: $(STAMPS)/runtime.stamp
	$(RUN) -m trainer.train $(call flag,CELL,cell) $(call flag,TASK,task) $(call flag,DISTANCE,distance) $(call flag,STEPS,steps) $(call flag,ATTRACTORS,attractors) $(call flag,UNITS,units) $(call flag,SEED,seed) --logdir=$(LOGDIR) $(EXTRA)

sweep: $(STAMPS)/sweep.stamp
	$(RUN) -m trainer.sweep --preset=$(SWEEP) $(call flag,CELLS,cells) $(call flag,TASKS,tasks) $(call flag,DISTANCES,distances) $(call flag,STEPS,steps) $(call flag,UNITS,units) $(call flag,SEED,seed) $(call flag,SEEDS,seeds) $(call flag,ADDRESS,address) $(call flag,CPUS_PER_RUN,cpus_per_run) $(call flag,GPUS_PER_RUN,gpus_per_run) --logdir=$(LOGDIR)/sweep-$(SWEEP) $(EXTRA)

horizon: $(STAMPS)/sweep.stamp
	$(RUN) -m trainer.horizon $(call flag,TASK,tasks) $(call flag,TASKS,tasks) $(call flag,CELLS,cells) $(call flag,SEED,seed) $(call flag,SEEDS,seeds) $(call flag,STEPS,steps) $(call flag,UNITS,units) $(call flag,START,start) $(call flag,LONGEST,longest) $(call flag,RESOLUTION,resolution) $(call flag,LEARNING_RATES,learning_rates) $(call flag,PROBE_DISTANCES,probe_distances) $(call flag,ADDRESS,address) $(call flag,CPUS_PER_RUN,cpus_per_run) $(call flag,GPUS_PER_RUN,gpus_per_run) --logdir=$(LOGDIR)/horizon $(EXTRA)

screenshots: $(STAMPS)/runtime.stamp
	$(RUN) -m tools.screenshots $(call flag,SCREENSHOT_LOGDIR,logdir) --out=screenshots $(EXTRA)

tensorboard: $(STAMPS)/runtime.stamp
	$(RUN) -m tensorboard.main --logdir=$(LOGDIR) --host=127.0.0.1 --port=$(PORT)

clean:
	rm -rf $(VENV) .make-stamps .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
