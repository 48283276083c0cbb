"""A URL configuration for tests/ops/test_page_bound.py: one slow page that counts how many
run at once."""

from __future__ import annotations

import threading
import time

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

lock = threading.Lock()
state = {"running": 0, "most": 0}


@login_not_required
def slow(request: HttpRequest) -> HttpResponse:
    with lock:
        state["running"] += 1
        state["most"] = max(state["most"], state["running"])
    time.sleep(0.2)
    with lock:
        state["running"] -= 1
    return HttpResponse("ok")


@login_not_required
def quick(request: HttpRequest) -> HttpResponse:
    return HttpResponse("quick")


# Named like the public health checks, which the login middleware lets anyone reach.
urlpatterns = [path("slow/", slow, name="healthz"), path("quick/", quick, name="readyz")]
