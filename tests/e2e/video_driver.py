"""The video journey, run inside a network namespace of its own with only loopback up
(tests/e2e/test_video_journey.py starts it as `unshare --net sh -c 'ip link set lo up && exec
python -m tests.e2e.video_driver DIR'`). WebRTC gathers candidates on every interface of the
machine; in here the only one is 127.0.0.1, so no packet of the call can leave it.

Inside the namespace the host's PostgreSQL and Redis are out of reach, so this makes its own
world: a throw-away SQLite database under DIR (tables made from the models, as pytest-django's
--nomigrations does, then the data the migrations would seed), a therapist and a participant
with a video meeting starting now, daphne on 127.0.0.1 (in-memory channel layer), and two
Chromium contexts with a fake camera and microphone. It prints one line
`VIDEO_RESULT {json}` with what the test asserts on; any failure is an exception (exit 1)."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECRET = "video-journey-" + "k" * 40
THERAPIST_KEY = "1111111111111111111111111111111111111111"
PARTICIPANT_KEY = "2222222222222222222222222222222222222222"
# Every wait of the journey itself (log-ins to the call ended) fits in this.
JOURNEY_SECONDS = 60
MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]

PLAYING = """(v) => {
  if (!v || v.readyState < 2 || !v.videoWidth) return false;
  if (v.dataset.firstTime === undefined) {
    v.dataset.firstTime = String(v.currentTime);
    return false;
  }
  return v.currentTime > parseFloat(v.dataset.firstTime) + 0.3;
}"""

PAIRS = """async () => {
  const pc = window.omtagVideoCall.peer();
  if (!pc) return null;
  const stats = await pc.getStats();
  const byId = {};
  stats.forEach((s) => { byId[s.id] = s; });
  const describe = (pair) => {
    const l = byId[pair.localCandidateId], r = byId[pair.remoteCandidateId];
    return {
      id: pair.id, state: pair.state, nominated: !!pair.nominated,
      local: l.address || l.ip, remote: r.address || r.ip,
      local_type: l.candidateType, remote_type: r.candidateType, protocol: l.protocol,
    };
  };
  const used = [], succeeded = [], candidates = [];
  let selected = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) selected = s.selectedCandidatePairId;
    if (s.type === "candidate-pair" && s.state === "succeeded") {
      succeeded.push(describe(s));
      if (s.nominated) used.push(describe(s));
    }
    if (s.type === "local-candidate" || s.type === "remote-candidate") {
      candidates.push({ type: s.type, address: s.address || s.ip });
    }
  });
  return { used: used, succeeded: succeeded, selected: selected && describe(byId[selected]),
           candidates: candidates, ice: pc.iceConnectionState };
}"""


def _environment(work: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{work / 'video.sqlite3'}",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "OMTAG_VAR_DIR": str(work),
            "LOG_LEVEL": "WARNING",
            "TEST_FAST_PASSWORD_HASHER": "1",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        }
    )
    for outer in ("REDIS_URL", "CHANNEL_PREFIX", "CACHE_KEY_PREFIX", "WEBRTC_ICE_SERVERS"):
        os.environ.pop(outer, None)
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]


class _NoMigrations(dict):  # type: ignore[type-arg]
    """MIGRATION_MODULES saying "none" for every app: the tables come from the models."""

    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


def _seed() -> dict[str, str]:
    import importlib

    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    settings.MIGRATION_MODULES = _NoMigrations()
    call_command("migrate", run_syncdb=True, verbosity=0)
    from accounts.models import Role
    from meetings.models import Kind, Meeting
    from tests.helpers import MIGRATION_ROWS, enroll, make_programme, user_with_key, wagtail_root

    wagtail_root()
    for module, function in MIGRATION_ROWS:
        getattr(importlib.import_module(module), function)(apps, None)
    therapist = user_with_key("tove@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
    participant = user_with_key(
        "alex@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Alex"
    )
    enrollment = enroll(participant, therapist, make_programme(modules=1))
    starts = timezone.now() + timedelta(minutes=1)
    meeting = Meeting.objects.create(
        enrollment=enrollment,
        therapist=therapist,
        participant=participant,
        kind=Kind.VIDEO,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
    )
    return {"meeting": str(meeting.public_id)}


def _join(page: Any, base: str, meeting: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/meetings/{meeting}/")
    page.locator(f"a[href='/meetings/{meeting}/video/']").click()
    page.locator("#video-check-start").click()
    expect(page.locator("#video-join")).to_be_visible()
    expect(page.locator("#video-local")).to_be_visible()
    page.locator("#video-join").click()


REFUSE_CAMERA = """navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));"""


def _refused_camera(page: Any, base: str, meeting: str) -> dict[str, Any]:
    """The browser refuses the camera: the page says so, shows the phone fallback, and never
    opens the socket."""
    from playwright.sync_api import expect

    from tests.helpers import screenshot

    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.add_init_script(REFUSE_CAMERA)
    page.goto(f"{base}/meetings/{meeting}/video/")
    page.locator("#video-check-start").click()
    failed = page.locator("#video-failed")
    expect(failed).to_be_visible()
    shot = str(screenshot(page, "video-participant-refused-360"))
    return {
        "error": page.locator("#video-check-error").inner_text(),
        "fallback": failed.inner_text(),
        "join_offered": page.locator("#video-join").is_visible(),
        "sockets": sockets,
        "screenshot": shot,
    }


def _journey(base: str, meeting: str, artifacts: list[str]) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers import CHROMIUM, CHROMIUM_ARGS, log_in, screenshot

    deadline = time.monotonic() + JOURNEY_SECONDS

    def left_ms() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the journey took over {JOURNEY_SECONDS} s")
        return remaining * 1000

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *MEDIA_ARGS]
        )
        try:
            staff = browser.new_context(viewport={"width": 1280, "height": 900})
            phone = browser.new_context(viewport={"width": 360, "height": 740})
            t, p = staff.new_page(), phone.new_page()
            for page in (t, p):
                page.set_default_timeout(15_000)
            log_in(t, base, "tove@example.org", THERAPIST_KEY)
            log_in(p, base, "alex@example.org", PARTICIPANT_KEY)
            _join(t, base, meeting)
            _join(p, base, meeting)
            expect(p.locator("#video-waiting")).to_be_visible(timeout=left_ms())
            artifacts.append(str(screenshot(p, "video-participant-waiting-360")))
            admit = t.locator("#video-admit")
            expect(admit).to_be_visible(timeout=left_ms())
            artifacts.append(str(screenshot(t, "video-therapist-admit-1280")))
            started = time.monotonic()
            admit.click()
            for page in (t, p):
                page.wait_for_function(
                    PLAYING,
                    arg=page.locator("#video-remote").element_handle(),
                    polling=100,
                    timeout=left_ms(),
                )
            connected_s = time.monotonic() - started
            artifacts.append(str(screenshot(t, "video-therapist-call-1280")))
            artifacts.append(str(screenshot(p, "video-participant-call-360")))
            stats = {"therapist": t.evaluate(PAIRS), "participant": p.evaluate(PAIRS)}
            js_ms = {
                "therapist": t.locator("#video").get_attribute("data-connected-after-ms"),
                "participant": p.locator("#video").get_attribute("data-connected-after-ms"),
            }
            # The participant leaves: the call ends on both sides.
            p.locator("#video-leave").click()
            expect(p.locator("#video-ended")).to_be_visible(timeout=left_ms())
            expect(t.locator("#video-ended")).to_be_visible(timeout=min(left_ms(), 5000))
            expect(t.locator("#video-remote")).to_be_hidden()
            artifacts.append(str(screenshot(p, "video-participant-ended-360")))
            phone_fits = p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            fallback = _refused_camera(phone.new_page(), base, meeting)
            artifacts.append(fallback.pop("screenshot"))
            return {
                "connected_seconds": round(connected_s, 3),
                "join_to_ice_connected_ms": js_ms,
                "stats": stats,
                "ended_on_both": True,
                "phone_no_sideways_scroll": phone_fits,
                "refused_camera": fallback,
            }
        finally:
            browser.close()


def main() -> None:
    work = Path(sys.argv[1])
    _environment(work)
    import django

    django.setup()
    from tests.servers import Server

    ids = _seed()
    artifacts: list[str] = []
    with Server(dict(os.environ), work / "daphne.log", startup_timeout=60) as server:
        try:
            result = _journey(server.origin, ids["meeting"], artifacts)
        except BaseException:
            print(server.log_tail(40), file=sys.stderr)
            raise
        errors = server.log_errors()
    result.update(server_errors=errors, screenshots=artifacts)
    print("VIDEO_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
