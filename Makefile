# Omtag: `make run` serves the platform with demo content; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
# Static checks import the settings, which refuse to start without these in production mode.
CHECK_ENV := SECRET_KEY=static-checks-only ALLOWED_HOSTS=localhost
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser axe eid-demo code worker bench messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

run: export DEBUG ?= 1
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_programme
	$(MANAGE) seed_measure_schedule
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_treatment
	$(MANAGE) seed_demo_referrals
	$(MANAGE) seed_demo_messages
	$(MANAGE) seed_demo_partner
	$(MANAGE) seed_demo_meetings
	@# The task worker (the "new message" emails, printed to this console) runs beside the
	@# server and stops with it.
	$(MANAGE) db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PYTHONPATH=platform $(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

# e-ID in the demo: the local test provider (tools/oidc/provider.mjs, made-up people) on
# OIDC_PORT, and the demo region pointed at it. Run `make run` in another terminal.
OIDC_PORT ?= 8090
eid-demo: export DEBUG ?= 1
eid-demo: $(STAMP) axe
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_eid --issuer http://127.0.0.1:$(OIDC_PORT)
	PORT=$(OIDC_PORT) OIDC_CLIENTS='[{"client_id":"omtag-demo","client_secret":"omtag-demo-secret","redirect_uris":["http://$(HOST):$(PORT)/account/oidc/eid-demo/login/callback/"]}]' \
	  node tools/oidc/provider.mjs

# The current second-factor code of a demo account: make code EMAIL=therapist@demo.omtag.se
code: export DEBUG ?= 1
code: $(STAMP)
	@$(MANAGE) otp_code $(EMAIL)

worker: $(STAMP)
	$(MANAGE) db_worker

test: $(STAMP) browser axe
	$(BIN)/ruff check platform tests bench manage.py
	$(BIN)/ruff format --check platform tests bench manage.py
	PYTHONPATH=platform $(BIN)/lint-imports pyproject.toml
	$(CHECK_ENV) $(BIN)/mypy platform
	$(CHECK_ENV) $(MANAGE) check --fail-level WARNING
	$(CHECK_ENV) $(MANAGE) makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (Playwright never downloads a browser of its own).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium."; \
	  else \
	    echo "Chromium is missing: browser tests will be skipped. Install it with: sudo apt-get install chromium"; \
	  fi; \
	fi
	@# nginx is the reverse proxy in front of two web processes in the load test's smoke run (bench/load.py).
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx for the load test's smoke run..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	      || echo "Could not install nginx."; \
	  else \
	    echo "nginx is missing: the load test's smoke run will fail. Install it with: sudo apt-get install nginx"; \
	  fi; \
	fi
	@# xmlsec1 signs the assertions of the tests' SAML identity provider (pysaml2).
	@if ! command -v xmlsec1 >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's xmlsec1 for the SAML sign-on tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null) \
	      || echo "Could not install xmlsec1."; \
	  else \
	    echo "xmlsec1 is missing: the SAML sign-on tests will fail. Install it with: sudo apt-get install xmlsec1"; \
	  fi; \
	fi

# axe-core (package.json, pinned in package-lock.json) checks every page in the browser suite;
# oidc-provider is the real OpenID Connect provider the e-ID tests (and `make eid-demo`) run;
# the tests load it from node_modules/, never from a CDN. Like the browser: a missing npm is
# a warning here (the axe tests then skip) and a failure on CI, where they must run.
AXE := node_modules/axe-core/axe.min.js
axe:
	@if [ ! -f $(AXE) ] || [ ! -d node_modules/oidc-provider ]; then \
	  if command -v npm >/dev/null; then \
	    echo "Installing axe-core for the browser tests (npm install)..."; \
	    npm install --no-audit --no-fund || { echo "npm install failed: the axe-core tests cannot run."; \
	      [ "$$CI" != "true" ] || exit 1; }; \
	  else \
	    echo "************************************************************************"; \
	    echo "npm is missing: the axe-core accessibility tests will be SKIPPED."; \
	    echo "Install Node.js and npm (sudo apt-get install npm), then run: make axe"; \
	    echo "************************************************************************"; \
	    [ "$$CI" != "true" ] || { echo "CI=true: the accessibility tests may not be skipped."; exit 1; }; \
	  fi; \
	fi

# Only Swedish is compiled: the msgids are the English, and locale/en/django.po (all msgstr
# empty) needs no .mo; compiling it would only leave an untracked file behind.
messages: $(STAMP)
	cd platform && ../$(BIN)/django-admin makemessages -l sv --no-location --ignore=locale
	cd platform && ../$(BIN)/django-admin compilemessages -l sv

bench: $(STAMP)
	@for f in $(wildcard bench/*.py); do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache .pytest_cache
