"""A short description of the machine and software a run used (no host names or paths)."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    models = [
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")
    ]
    count = text.count("\nprocessor") + (1 if text.startswith("processor") else 0)
    model = models[0] if models else platform.machine()
    return f"{count} × {model}" if count else model


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(server_version: str) -> dict[str, str]:
    """CPU, memory, OS, Python, PostgreSQL and library versions."""
    return {
        "cpu": _cpu(),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": server_version.split(" on ")[0].split(",")[0],
        "alembic": _version("alembic"),
        "sqlalchemy": _version("SQLAlchemy"),
        "psycopg": _version("psycopg"),
        "alembic-zdm": _version("alembic-zdm"),
    }
