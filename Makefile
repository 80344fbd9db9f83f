# `make run`: the app with a demo province on the embedded database.
# `make test`: lint (ruff, mypy) and the whole test suite. Both set themselves up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg setup.py pyproject.toml | cksum | cut -d' ' -f1)
# The compiled translation catalogue (a wheel compiles it at build; a checkout here).
MO := survey/translations/vi/LC_MESSAGES/messages.mo
PO := $(wildcard survey/translations/*/LC_MESSAGES/*.po)
PORT ?= 5000
RESPONSES ?= 50000
export FLASK_APP := survey
export FLASK_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test test-cluster lint clean

$(STAMP): setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

$(MO): $(PO) $(STAMP)
	$(BIN)/python setup.py --quiet compile_catalogues

# The demo on 127.0.0.1 with the demo home page (the secret key is generated into instance/).
run: export FLASK_DEMO := 1
run: $(STAMP) $(MO)
	$(BIN)/flask init-db
	$(BIN)/flask demo --if-empty --responses $(RESPONSES)
	@echo "Counter survey links (open one on a phone-sized browser):"
	@$(BIN)/flask counters | head -5
	@echo "Serving on http://127.0.0.1:$(PORT)  (sign in at http://127.0.0.1:$(PORT)/login as manager or admin)"
	FLASK_SESSION_COOKIE_SECURE=false $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP) $(MO)
	$(BIN)/ruff check .
	$(BIN)/mypy scoring survey forms

# axe-core for the accessibility checks of the browser tests (tests/package-lock.json).
AXE := tests/node_modules/axe-core/axe.min.js
$(AXE): tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund
	touch $@

test: lint $(AXE)
	$(BIN)/python -m pytest -n 2

# Scale-out on one machine: PostgreSQL primary + standby, Redis, two gunicorn servers, nginx (tests/test_cluster.py).
test-cluster: $(STAMP) $(MO)
	$(BIN)/python -m pytest -m cluster -s tests/test_cluster.py

clean:
	rm -rf $(VENV) instance .pytest_cache
