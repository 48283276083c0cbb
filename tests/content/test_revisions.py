"""Revisions and their comparison view, and scheduled publishing through the clinical review."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from content.models import ModulePage
from content.seed import attach_review_workflow
from tests.helpers import HEADING_BODY, make_module, module_form, verified_client


def test_an_editor_compares_a_draft_with_the_live_module(programme, editor):
    module = make_module(programme, HEADING_BODY)
    client = verified_client(editor)
    saved = client.post(f"/cms/pages/{module.pk}/edit/", module_form("Reworded title"))
    assert saved.status_code == 302
    first, latest = module.revisions.order_by("created_at", "id")
    history = client.get(f"/cms/pages/{module.pk}/history/")
    assert history.status_code == 200
    assert f"/cms/pages/{module.pk}/revisions/compare/" in history.content.decode()

    compare = client.get(f"/cms/pages/{module.pk}/revisions/compare/{first.pk}...{latest.pk}/")
    assert compare.status_code == 200
    html = compare.content.decode()
    assert "Module" in html and "Reworded title" in html


def test_compare_is_not_for_therapists(programme, therapist):
    module = make_module(programme, HEADING_BODY)
    response = verified_client(therapist).get(
        f"/cms/pages/{module.pk}/revisions/compare/earliest...latest/"
    )
    assert response.status_code in (302, 403)


def _go_live_in(minutes: int) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def test_a_change_approved_for_later_goes_live_when_its_time_comes(
    programme, editor, clinical_lead
):
    """The editor sets a go-live time and submits; the clinical lead approves; nothing changes
    for participants until the clock process (Procfile) runs publish_scheduled after it."""
    attach_review_workflow()
    module = make_module(programme, HEADING_BODY)
    url = f"/cms/pages/{module.pk}/edit/"
    form = module_form("Published tomorrow", go_live_at=_go_live_in(24 * 60))
    submitted = verified_client(editor).post(url, {**form, "action-submit": "action-submit"})
    assert submitted.status_code == 302
    approved = verified_client(clinical_lead).post(
        url, {**form, "action-workflow-action": "true", "workflow-action-name": "approve"}
    )
    assert approved.status_code == 302

    module.refresh_from_db()
    assert module.title == "Module" and not module.workflow_in_progress
    scheduled = Revision.page_revisions.get(
        object_id=str(module.pk), approved_go_live_at__isnull=False
    )
    assert scheduled.approved_go_live_at > timezone.now()

    call_command("publish_scheduled", stdout=StringIO())  # too early: nothing happens
    module.refresh_from_db()
    assert module.title == "Module"

    # The next day's run of the clock process.
    tomorrow = timezone.now() + timedelta(days=1, minutes=5)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        call_command("publish_scheduled", stdout=StringIO())
    module = ModulePage.objects.get(pk=module.pk)
    assert module.title == "Published tomorrow" and module.live
