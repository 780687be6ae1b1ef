"""The documentation site builds with ``mkdocs build --strict``: every page in the
nav, no broken link, and an API reference entry for every operation on ``op``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _hook() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mkdocs_nav", ROOT / "tools" / "mkdocs_nav.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_every_markdown_page_becomes_a_page_of_the_site(site: Path) -> None:
    for page in DOCS.rglob("*.md"):
        rel = page.relative_to(DOCS).with_suffix("")
        if rel.name in ("index", "README"):
            built = site / rel.parent / "index.html"
        else:
            built = site / rel / "index.html"
        assert built.is_file(), page


def test_the_home_page_links_to_the_ops_and_rules_sections(site: Path) -> None:
    home = (site / "index.html").read_text()
    assert 'href="ops/"' in home and 'href="rules/"' in home and 'href="backfill/"' in home


def test_the_api_page_documents_every_operation(site: Path) -> None:
    api = (site / "api" / "index.html").read_text()
    operations = _hook().operation_paths(ROOT / "alembic_zdm")  # type: ignore[attr-defined]
    assert len(operations) >= 20
    for name, _ in operations:
        assert f"op.{name}" in api, name
    assert "existing_type" in api  # a docstring's text, not just the headings
    for path in (
        "phases.commands.upgrade",
        "phases.commands.downgrade",
        "phases.commands.rollback",
        "phases.report.status",
        "phases.report.history",
        "config.load_settings",
    ):
        assert f'id="alembic_zdm.{path}"' in api, path


def test_the_nav_hook_adds_pages_the_list_leaves_out(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "rules").mkdir()
    for name in (
        "index.md",
        "new-page.md",
        "ops/index.md",
        "ops/b.md",
        "ops/a.md",
        "rules/README.md",
    ):
        (tmp_path / name).write_text("# x\n")
    config = {
        "docs_dir": str(tmp_path),
        "nav": [{"Home": "index.md"}, "ops/index.md", "rules/README.md"],
    }
    nav = _hook().on_config(config)["nav"]  # type: ignore[attr-defined]
    assert nav == [
        {"Home": "index.md"},
        {"Safe operations": ["ops/index.md", "ops/a.md", "ops/b.md"]},
        {"Lint rules": ["rules/README.md"]},
        {"More": ["new-page.md"]},
    ]


def _browser() -> str | None:
    import shutil

    return next(
        (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "chrome")) if p),
        None,
    )


def test_a_screenshot_of_the_home_page_shows_the_theme_nav_and_text(
    site: Path, tmp_path: Path
) -> None:
    """Rendered by a real browser: the material header, the nav sidebar and the body text."""
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium to take the screenshot with (apt-get install chromium)")
    image = pytest.importorskip("matplotlib.image")
    shot = tmp_path / "home.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1280,900", f"--screenshot={shot}", (site / "index.html").as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    pixels = image.imread(str(shot))[:, :, :3]
    assert pixels.shape[:2] == (900, 1280)
    header = pixels[5:40, 300:1200].reshape(-1, 3).mean(axis=0)
    assert header[2] > 0.6 and header[0] < 0.4  # material's indigo band, not a blank page
    nav = pixels[100:800, 40:250]
    body = pixels[150:600, 300:1000]
    for area in (nav, body):  # text: enough dark pixels on the white page
        dark = (area.max(axis=2) < 0.5).mean()
        assert 0.005 < dark < 0.5, dark
