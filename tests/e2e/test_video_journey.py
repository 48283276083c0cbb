"""The video meeting end to end, in real Chromium with a fake camera and microphone: the
therapist and the participant log in and join, the participant waits, the therapist lets them
in, each side's remote video plays frames, and the participant's leaving ends the call on
both sides.

WebRTC gathers candidates on every network interface, and tests here may send traffic to
127.0.0.1 only: so the server and both browsers run inside a network namespace of their own
with only loopback up (tests/e2e/video_driver.py, which makes its own SQLite world and daphne
in there, independent of the outer run's DATABASE_URL and REDIS_URL), and the test checks
that every candidate pair the call used is 127.0.0.1 on both ends. If the namespace cannot be
made, the test fails: it never skips and never runs on the host's network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, CHROMIUM_MISSING, REPO_ROOT

LOOPBACK = "127.0.0.1"
# The whole driver: tables, seed, daphne, Chromium, the journey (itself bounded at 60 s).
DRIVER_TIMEOUT = 180
# From the therapist's "let in" to both remote videos playing frames, on one machine.
CONNECTED_WITHIN_SECONDS = 20

# Everything the outer run points at the host (its database, Redis) stays outside.
OUTER_ONLY = ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX", "CACHE_KEY_PREFIX")


def _in_namespace(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in OUTER_ONLY}
    return subprocess.run(
        ["unshare", "--net", "sh", "-c", f"ip link set lo up && {script}", "sh", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_video_call_connects_over_loopback_only_and_leaving_ends_it_for_both(
    tmp_path: Path,
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING, pytrace=False)  # this journey never skips
    try:
        probe = _in_namespace("ip -o link show up", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"could not make a network namespace (unshare --net): {error}")
    if probe.returncode != 0:
        pytest.fail(
            "could not make a network namespace with loopback up (`unshare --net` and "
            f"`ip link set lo up` need root or CAP_SYS_ADMIN): {probe.stderr.strip()}",
            pytrace=False,
        )
    interfaces = [line.split(":")[1].strip() for line in probe.stdout.splitlines()]
    assert interfaces == ["lo"], f"only loopback may be up in the namespace: {probe.stdout}"

    run = _in_namespace(
        'exec "$1" -m tests.e2e.video_driver "$2"',
        sys.executable,
        str(tmp_path),
        timeout=DRIVER_TIMEOUT,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("VIDEO_RESULT ")]
    assert run.returncode == 0 and lines, (
        f"the journey failed ({run.returncode}):\n{run.stderr[-6000:]}"
    )
    result = json.loads(lines[-1].removeprefix("VIDEO_RESULT "))
    print(
        f"\nvideo call: {result['connected_seconds']:.2f} s from 'let in' to both remote videos "
        f"playing; join to ICE connected: {result['join_to_ice_connected_ms']} ms"
    )

    assert result["connected_seconds"] < CONNECTED_WITHIN_SECONDS
    for side in ("therapist", "participant"):
        stats = result["stats"][side]
        assert stats is not None and stats["ice"] in ("connected", "completed"), side
        # The pair in use (the transport's selected, the nominated succeeded ones) and every
        # pair that succeeded at all: loopback on both ends.
        assert stats["used"] and stats["selected"] is not None, side
        pairs = [*stats["used"], *stats["succeeded"], stats["selected"]]
        for pair in pairs:
            assert (pair["local"], pair["remote"]) == (LOOPBACK, LOOPBACK), (side, pair)
        assert {c["address"] for c in stats["candidates"]} == {LOOPBACK}, (side, stats)
    assert result["ended_on_both"]
    assert result["phone_no_sideways_scroll"], "the call page scrolls sideways at 360 px"
    assert result["server_errors"] == "", result["server_errors"]
    # A browser that refuses the camera: a clear message, the phone fallback, no call.
    refused = result["refused_camera"]
    assert "lät inte Omtag använda kameran" in refused["error"]
    assert (
        "Videon fungerar inte just nu. Din behandlare ringer dig i stället."
        in (refused["fallback"])
    )
    assert not refused["join_offered"] and refused["sockets"] == []
