"""The layers as drawn (ARCHITECTURE.md, issue 25.2), kept by import-linter's contracts in
.importlinter: the surfaces side by side, services and models below every surface and transport, geo/
and qr/ pure; with no exceptions listed (a new one would need its reason argued in review, so this test
refuses it)."""
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0


def test_no_import_is_excused():
    assert "ignore_imports" not in (ROOT / ".importlinter").read_text()
