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

docs: venv
	@$(PY) -m alembic_zdm.lint.docs 2>/dev/null || true
	@if $(PY) -c "import mkdocs" 2>/dev/null; then $(PY) -m mkdocs build -q; else echo "docs/ is plain Markdown; install mkdocs-material to build a site"; fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
