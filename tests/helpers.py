"""Plain helpers shared by test files (not fixtures: those live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage_check(
    env: dict[str, str], *, drop: tuple[str, ...] = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG")
) -> subprocess.CompletedProcess[str]:
    """`manage.py check` in a fresh process with production-like settings: the test's
    environment without `drop`, plus `env`. Settings are read once per process, so a start-up
    refusal can only be seen this way."""
    full = {k: v for k, v in os.environ.items() if k not in drop}
    full.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
