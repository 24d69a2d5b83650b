"""A virtualenv for the peer framework alone (bench/.peer-venv, made on first use): WeRoBot and its
bottle are measured, never installed into the project's environment."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parents[1] / ".peer-venv"
PINS = ["WeRoBot==1.13.1", "gunicorn==27.0.1"]  # gunicorn as the project's (requirements.txt)


def python() -> str:
    """The peer virtualenv's interpreter, made and filled when missing."""
    interpreter = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != " ".join(PINS):
        print(f"installing the peer ({', '.join(PINS)}) into {VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", *PINS], check=True)
        stamp.write_text(" ".join(PINS))
    return str(interpreter)
