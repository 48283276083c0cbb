"""The deployment files: the systemd units pass `systemd-analyze verify`, the backup script
parses, and docs/deployment.md documents every environment variable the code reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
GUIDE = REPO / "docs" / "deployment.md"
INSTALL_DIR = "/srv/omtag"  # where the units expect the checkout (docs/deployment.md)


def test_there_are_units_for_every_process():
    names = {p.name for p in UNITS.iterdir()}
    assert {
        "omtag-web@.service",
        "omtag-worker.service",
        "omtag-release.service",
        "omtag-clock.service",
        "omtag-clock.timer",
        "omtag-retention.timer",
        "omtag-backup.timer",
    } <= names
    for timer in (n for n in names if n.endswith(".timer")):
        assert timer.replace(".timer", ".service") in names


def test_systemd_analyze_verifies_every_unit(tmp_path):
    """The units as installed: /srv/omtag becomes this checkout, so that the commands they
    run exist (verify checks that each ExecStart is executable)."""
    analyze = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    assert (REPO / ".venv" / "bin" / "daphne").exists(), "run `make install` first"
    checked = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace(INSTALL_DIR, str(REPO))
        name = unit.name.replace("@.service", "@8001.service")  # an instance of the template
        (tmp_path / name).write_text(text)
        if name != unit.name:
            (tmp_path / unit.name).write_text(text)
        checked.append(str(tmp_path / name))
    result = subprocess.run(
        [analyze, "verify", *checked], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    # Nothing it merely warned about either (an unknown key is only a warning).
    ours = [line for line in result.stderr.splitlines() if "omtag" in line]
    assert ours == []


def test_systemd_analyze_catches_a_broken_unit(tmp_path):
    bad = tmp_path / "omtag-broken.service"
    bad.write_text("[Service]\nExecStart=/srv/omtag/.venv/bin/nothing-here\n")
    analyze = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    result = subprocess.run([analyze, "verify", str(bad)], capture_output=True, timeout=60)
    assert result.returncode != 0


def test_the_backup_script_parses():
    subprocess.run(["sh", "-n", str(REPO / "deploy" / "backup.sh")], check=True, timeout=30)


def env_names_read_by_the_code() -> set[str]:
    names: set[str] = set()
    settings_text = (REPO / "platform" / "config" / "settings.py").read_text()
    names |= set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_text))
    names |= set(re.findall(r"Env\(\)\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_text))
    for source in (REPO / "platform").rglob("*.py"):
        text = source.read_text()
        names |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]*)\"", text))
        names |= set(re.findall(r"os\.getenv\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
    names.discard("DJANGO_SETTINGS_MODULE")  # set by manage.py and asgi.py themselves
    return names


def test_every_environment_variable_is_documented():
    names = env_names_read_by_the_code()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TRUSTED_PROXIES"} <= names
    assert "PROMETHEUS_MULTIPROC_DIR" in names
    guide = GUIDE.read_text()
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert missing == [], f"docs/deployment.md does not document {missing}"


@pytest.mark.parametrize("path", ["deploy/nginx/omtag.conf", "docs/deployment.md"])
def test_the_guide_and_the_proxy_site_are_there(path):
    text = (REPO / path).read_text()
    if path.endswith(".conf"):
        # Two upstream processes, websockets upgraded, the forwarded headers overwritten.
        assert len(re.findall(r"server 127\.0\.0\.1:\d+", text)) >= 2
        assert "proxy_set_header Upgrade $http_upgrade;" in text
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    else:
        assert "pg_dump --format=custom" in text and "pg_restore" in text
