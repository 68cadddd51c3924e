# The template's two commands:
#   make demo   bake the default project into build/demo and serve it at http://127.0.0.1:8000
#   make test   install what is missing and run every test (the template's and the baked ones)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := build
DEMO_DIR := $(BUILD)/demo
DEMO_SLUG := team_chat
SYSTEM_PACKAGES := redis-server postgresql stunnel4 nginx chromium
# The default bake's Python (cookiecutter.json): the machine's own 3.14, else Debian's,
# unpacked into build/python3.14 on first use (tools/debian_python.py says how and why).
# It prints the interpreter's path, or fails with the reason (a changed archive, say).
FIND_PYTHON := $(BIN)/python tools/debian_python.py $(BUILD)/python3.14

.PHONY: demo test bench lock python3.14 system-packages clean tidy-template

demo: $(VENV)/.installed tidy-template
	$(BIN)/cookiecutter . --no-input --overwrite-if-exists --output-dir $(DEMO_DIR)
	python=$$($(FIND_PYTHON)) && UV_PYTHON=$$python $(MAKE) -C $(DEMO_DIR)/$(DEMO_SLUG) \
		VENV=$(abspath $(BUILD)/venvs/demo) UV=$(abspath $(BIN))/uv demo-users run

# The baked project's benchmark against the Channels tutorial consumer copied in bench/tutorial.
bench: $(VENV)/.installed system-packages tidy-template
	$(BIN)/cookiecutter . --no-input --overwrite-if-exists --output-dir $(BUILD)/bench
	python=$$($(FIND_PYTHON)) && UV_PYTHON=$$python $(MAKE) -C $(BUILD)/bench/$(DEMO_SLUG) \
		VENV=$(abspath $(BUILD)/venvs/bench) UV=$(abspath $(BIN))/uv \
		BASELINE=$(abspath bench/tutorial) bench

test: $(VENV)/.installed system-packages python3.14
	CHAT_REQUIRE_SERVICES=1 $(BIN)/pytest tests $(PYTEST_ARGS)

# Prints the Python 3.14 the tests bake with (tests/conftest.py::find_python finds the same).
python3.14: $(VENV)/.installed
	$(FIND_PYTHON)

# After changing the baked project's pyproject.toml: lock a default bake and bring its uv.lock
# back, with the project's name a template variable again.
lock: $(VENV)/.installed tidy-template
	rm -rf $(BUILD)/lock
	$(BIN)/cookiecutter . --no-input --output-dir $(BUILD)/lock
	python=$$($(FIND_PYTHON)) && cd $(BUILD)/lock/$(DEMO_SLUG) && UV_PYTHON=$$python $(abspath $(BIN))/uv lock
	$(BIN)/python -c 'import sys; lock = open(sys.argv[1]).read(); \
		print(lock.replace("\nname = \"team-chat\"\n", \
		"\nname = \"{{ cookiecutter.project_slug | replace(\x27_\x27, \x27-\x27) }}\"\n"), end="")' \
		$(BUILD)/lock/$(DEMO_SLUG)/uv.lock > "{{cookiecutter.project_slug}}/uv.lock"

# What running the project in place leaves in the template folder: cookiecutter would try to
# render it, and compiled or compressed files are not text (the tests remove the same).
tidy-template:
	cd "{{cookiecutter.project_slug}}" && rm -rf .pytest_cache .ruff_cache .mypy_cache .coverage test-artifacts db.sqlite3*
	find "{{cookiecutter.project_slug}}" -name __pycache__ -prune -exec rm -rf {} +

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Redis, PostgreSQL, stunnel, nginx (the Heroku stand-in's router) and Chromium run for real
# in the tests. Install the missing ones
# with apt-get when running as root; otherwise say what to install.
system-packages:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || missing="$$missing stunnel4"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "The tests need these Debian packages:$$missing"; \
			echo "Install them (sudo apt-get install$$missing) and run make test again."; \
			exit 1; \
		fi; \
	fi

clean:
	rm -rf $(BUILD) $(VENV)
