# The README's commands. Each creates the virtual environment it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test slow lint keys-soak bench bench-1m torture dispatch-torture screenshots clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $@ $(STAMP)

DEMO_DB := .demo/desk.json

demo: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 src
	@test -f $(DEMO_DB) || $(BIN)/triagedesk demo --db $(DEMO_DB)
	$(BIN)/triagedesk --db $(DEMO_DB)

# PouchDB Server (a CouchDB-protocol server) for the sync tests, installed once from npm.
POUCHDB := .cache/npm/node_modules/.bin/pouchdb-server

$(POUCHDB):
	mkdir -p .cache/npm
	cd .cache/npm && npm install pouchdb-server@4.2.0 --ignore-scripts --no-audit --no-fund --loglevel=error

# Third-party writers for the sync tests and the benchmark's baseline: PouchDB 9 for Node (an offline client, its
# own replication) and nano (Apache CouchDB's Node client), beside PouchDB Server in the same folder.
CLIENTS := .cache/npm/node_modules/nano/package.json

$(CLIENTS): | $(POUCHDB)
	cd .cache/npm && npm install pouchdb-node@9.0.0 nano@11.0.7 --no-audit --no-fund --loglevel=error

# The house's checks: the layers' import contracts (pyproject's [tool.importlinter]), ruff and mypy.
lint: $(TEST_STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

# Both cores, four pytest-xdist workers (the Pilot and server tests mostly wait, so two workers left the cores
# idle); the long runs are `make slow`, `make torture`, `make keys-soak`.
# Bytecode compiled first, as an installed package has it: with PYTHONDONTWRITEBYTECODE set (as on this machine)
# every test process and every CLI it starts would compile the sources again.
test: $(TEST_STAMP) $(POUCHDB) $(CLIENTS) lint
	$(BIN)/python -m compileall -q -j 0 src tests tools
	TRIAGEDESK_POUCHDB=$(abspath $(POUCHDB)) $(BIN)/python -m pytest -q -n 4 --dist worksteal -m "not slow"

# The tests marked slow: SIGKILL trials on the store, ten thousand documents through PouchDB Server.
slow: $(TEST_STAMP) $(POUCHDB) $(CLIENTS)
	TRIAGEDESK_POUCHDB=$(abspath $(POUCHDB)) $(BIN)/python -m pytest -q -m slow

# Every key in every request state, every role and profile at both sizes (minutes; `make test` runs a part).
keys-soak: $(TEST_STAMP)
	TRIAGEDESK_EVERY_KEY_FULL=1 $(BIN)/python -m pytest -q tests/tui/test_every_key.py

# The store's adversarial suite run for minutes (170 kills, a 60 s concurrent soak, every damage case,
# disk-full and I/O errors, hostile input): prints docs/reliability.md's table.
torture: $(TEST_STAMP)
	$(BIN)/python -m tests.store.adversarial.torture

# 50 `kill -9` at random instants while the dispatcher delivers to a real receiver (`make test` runs 8):
# nothing lost, every repeat carries its first send's idempotency key and is counted in `outbox`.
dispatch-torture: $(TEST_STAMP)
	TRIAGEDESK_DISPATCH_KILLS=50 $(BIN)/python -m pytest -q -s tests/dispatch/test_kill.py

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

bench: $(BENCH_STAMP) $(POUCHDB) $(CLIENTS)
	TRIAGEDESK_POUCHDB=$(abspath $(POUCHDB)) $(BIN)/python bench/run.py

# The desk and the CLI at 1M issues (issue #24): the 1M demo store is generated once into .cache/bench/ (about
# 10 minutes, its own figures kept beside it), then every figure is measured on it (more minutes).
bench-1m: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --only desk1m --only cli1m

screenshots: $(STAMP)
	$(BIN)/python -m triagedesk.tui.screenshots screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
