# alembic-zdm — the two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.zdm-installed
EXTRAS := dev,demo,postgresql
# mysqlclient compiles against libmariadb/libmysqlclient: add the extra only when the headers exist.
HAVE_MYSQL_HEADERS := $(shell (pkg-config --exists mariadb || pkg-config --exists mysqlclient || test -f /usr/include/mariadb/mysql.h) 2>/dev/null && echo yes)
ifeq ($(HAVE_MYSQL_HEADERS),yes)
EXTRAS := $(EXTRAS),mysql
endif

.PHONY: venv demo test lint format bench bench-quick docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: venv
	$(PY) -m sample_project.demo

test: venv
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	exit $$rc

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy alembic_zdm

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: venv
	@if [ -f bench/__main__.py ]; then $(PY) -m bench; else echo "no benchmarks yet"; fi

bench-quick: venv
	@if [ -f bench/__main__.py ]; then $(PY) -m bench --quick; else echo "no benchmarks yet"; fi

# The site (mkdocs-material, API reference by mkdocstrings) into site/; --strict turns
# every warning (a page left out of the nav, a broken link, a bad docstring) into a failure.
docs: venv
	$(PY) -m alembic_zdm.lint.docs
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
