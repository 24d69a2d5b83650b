"""Dependencies declared and locked (issue 25.6): what the code imports is named in requirements*.txt,
not left to arrive as someone else's dependency, and `make` installs from lock files whose pins agree
with those files, every pin carrying its hashes. A forgotten `make lock` after an edit fails here,
not in a fresh clone's CI."""
import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", ".peer-venv", ".git", "node_modules", "instance", "__pycache__"}
# The bench's peer (WeRoBot) lives in its own virtualenv (bench/callback/peer.py), not in ours.
PEER_ONLY = {"werobot"}


def _direct(name):
    """The requirements a file names itself, following `-r` includes."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(_direct(line[3:].strip()))
        elif line:
            req = Requirement(line)
            found[canonicalize_name(req.name)] = req
    return found


def _locked(name):
    """{package: (version, hash count)} from a pip-compile lock file."""
    text = (ROOT / name).read_text()
    pins = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9._-]+)==([^\s\\]+)", block)
        if head:
            pins[canonicalize_name(head[1])] = (head[2], block.count("--hash=sha256:"))
    return pins


@pytest.mark.parametrize("source, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-dev.txt", "requirements-dev.lock")])
def test_the_lock_file_agrees_with_the_direct_pins(source, lock):
    direct, locked = _direct(source), _locked(lock)
    for name, req in direct.items():
        assert name in locked, f"{name} is in {source} but not in {lock}: run `make lock`"
        version, hashes = locked[name]
        assert req.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {source}'s {req.specifier}: run `make lock`")
        assert hashes >= 1, f"{lock} has no hash for {name}"


def _imports(paths):
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


DEV_DIRS = {"tests", "bench"}  # run from the development install (make test, the benches), never deployed


def _python_files(dev_only):
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS.intersection(rel.parts):
            continue
        if (rel.parts[0] in DEV_DIRS) == dev_only:
            yield path


def _third_party(modules):
    local = {p.stem if p.suffix == ".py" else p.name for p in ROOT.iterdir()}
    dists = packages_distributions()
    owners = {}
    for module in modules - set(sys.stdlib_module_names) - local - PEER_ONLY - {"__future__"}:
        assert module in dists, f"`import {module}` comes from no installed distribution"
        owners[module] = {canonicalize_name(d) for d in dists[module]}
    return owners


@pytest.mark.parametrize("dev_only, source", [(False, "requirements.txt"), (True, "requirements-dev.txt")])
def test_every_imported_package_is_declared(dev_only, source):
    declared = set(_direct(source))
    undeclared = {module: sorted(owners)
                  for module, owners in _third_party(_imports(_python_files(dev_only))).items()
                  if not owners & declared}
    assert not undeclared, f"imported but not declared in {source}: {undeclared}"
