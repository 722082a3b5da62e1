"""The layers hold: the core imports no Qt, no GUI and no command line, and the GUI
imports no sqlite3 (its queries live in the core). The contracts are in
``.importlinter`` at the root of the repository; this runs them as CI does."""

from __future__ import annotations

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import annotator

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def lint(config: Path = CONFIG, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``lint-imports`` in a fresh interpreter (it imports nothing of ours)."""
    return subprocess.run([sys.executable, "-c", LINT, str(config)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_import_linter_is_installed():
    import importlinter  # noqa: F401 - `pip install -e ".[test]"` brings it


def test_the_layers_hold():
    run = lint()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_a_broken_layer_fails(tmp_path):
    """A copy of the package with one forbidden import in each layer: every contract
    breaks."""
    copy = tmp_path / "annotator"
    _copy_sources(Path(annotator.__file__).parent, copy)
    with (copy / "core" / "filters.py").open("a", encoding="utf-8") as fh:
        fh.write("\nimport PySide6.QtCore  # noqa\n")
    with (copy / "gui" / "timeline.py").open("a", encoding="utf-8") as fh:
        fh.write("\nimport sqlite3  # noqa\n")
    with (copy / "desktop_libraries.py").open("a", encoding="utf-8") as fh:
        fh.write("\nimport PySide6.QtGui  # noqa\n")
    run = lint(CONFIG, tmp_path)
    assert run.returncode != 0
    assert "0 kept, 3 broken" in run.stdout, run.stdout + run.stderr
    assert "annotator.desktop_libraries -> PySide6" in run.stdout
    assert "annotator.core.filters -> PySide6" in run.stdout
    assert "annotator.gui.timeline -> sqlite3" in run.stdout


def test_every_command_line_module_is_forbidden_to_the_core():
    """A new ``cli_*.py`` must join the contract, or the core could import it unseen."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    forbidden = set(parser["importlinter:contract:core-is-plain-python"]["forbidden_modules"]
                    .split())
    ours = {f"annotator.{m.name}" for m in pkgutil.iter_modules(annotator.__path__)}
    assert ours - {"annotator.core"} <= forbidden


def _copy_sources(source: Path, target: Path) -> None:
    for path in source.rglob("*.py"):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
