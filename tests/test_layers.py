"""The layers as drawn (ARCHITECTURE.md, issues 25.2 and 34), kept by import-linter's contracts in
.importlinter: the surfaces side by side over jobs, WeChat, the web plumbing, services, runtime and models;
one contract per domain of services/ saying which it may call; no circle between the modules of a
package; geo/ and qr/ pure; with no exceptions listed (a new one would need its reason argued in review,
so this test refuses it). Two things the linter cannot see are checked here: the root holds no loose
module but app.py, and no package imports ``app`` back (the worker's app is built by ``flask --app app``)."""
import ast
from configparser import ConfigParser
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0


def test_no_import_is_excused():
    assert "ignore_imports" not in (ROOT / ".importlinter").read_text()


def test_no_loose_module_at_the_root():
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


def test_services_holds_only_domain_packages():
    loose = sorted(p.name for p in (ROOT / "services").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    for package in (p for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists()):
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), f"{package.name} says what it owns"


def _imports_app(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import) and any(alias.name == "app" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "app":
            return True
    return False


def test_no_package_imports_the_app_back():
    config = ConfigParser()
    config.read(ROOT / ".importlinter")
    packages = config["importlinter"]["root_packages"].split()
    offenders = [str(path.relative_to(ROOT)) for package in packages for path in (ROOT / package).rglob("*.py")
                 if _imports_app(path)]
    assert offenders == []
