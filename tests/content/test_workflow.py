"""The clinical review: nothing an editor changes goes live before a clinical lead approves."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowState

from content.models import ModulePage, ProgramPage
from content.seed import WORKFLOW_NAME, attach_review_workflow
from tests.helpers import HEADING_BODY, make_module, module_form, verified_client


@pytest.fixture
def reviewed_module(programme: ProgramPage) -> ModulePage:
    attach_review_workflow()
    return make_module(programme, HEADING_BODY)


def _edit_as(module: ModulePage, user, title: str) -> ModulePage:  # type: ignore[no-untyped-def]
    draft = module.get_latest_revision_as_object()
    draft.title = title
    draft.save_revision(user=user)
    return draft


@pytest.mark.django_db
def test_seed_puts_every_programme_under_the_clinical_review():
    call_command("seed_programme", stdout=StringIO())
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert workflow.active
    [task] = [task.specific for task in workflow.tasks]
    assert isinstance(task, GroupApprovalTask)
    assert list(task.groups.values_list("name", flat=True)) == ["Clinical leads"]
    programmes = ProgramPage.objects.all()
    assert programmes.count() == 2  # Swedish and English
    for programme in programmes:
        assert WorkflowPage.objects.get(page=programme).workflow == workflow
        for module in ModulePage.objects.child_of(programme):
            assert module.get_workflow() == workflow

    # Idempotent: a second run adds nothing.
    call_command("seed_programme", stdout=StringIO())
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1
    assert workflow.workflow_tasks.count() == 1
    assert WorkflowPage.objects.filter(workflow=workflow).count() == 2


@pytest.mark.django_db
def test_an_install_seeded_before_the_workflow_existed_gets_it():
    call_command("seed_programme", stdout=StringIO())
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()  # as before this change
    assert not WorkflowPage.objects.filter(page__in=ProgramPage.objects.all()).exists()
    out = StringIO()
    call_command("seed_programme", stdout=out)
    assert "clinical review workflow" in out.getvalue()
    assert WorkflowPage.objects.filter(workflow__name=WORKFLOW_NAME).count() == 2


def test_a_programme_with_a_workflow_of_its_own_keeps_it(programme):
    own = Workflow.objects.create(name="Our own review")
    WorkflowPage.objects.create(page=programme, workflow=own)
    assert attach_review_workflow() == []
    assert WorkflowPage.objects.get(page=programme).workflow == own


def test_editor_submits_and_a_clinical_lead_approves(reviewed_module, editor, clinical_lead):
    module = reviewed_module
    _edit_as(module, editor, "Revised title")
    workflow = module.get_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME
    workflow.start(module, editor)

    module.refresh_from_db()
    assert module.workflow_in_progress
    assert module.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert module.title == "Module" and module.live  # participants still read the old one
    task_state = module.current_workflow_task_state
    # An editor cannot approve their own change.
    assert task_state.task.specific.get_actions(module, editor) == []

    task_state.approve(user=clinical_lead)
    module.refresh_from_db()
    assert module.title == "Revised title" and module.live
    assert not module.has_unpublished_changes
    assert not module.workflow_in_progress


def test_the_same_through_the_admin(reviewed_module, editor, clinical_lead):
    module = reviewed_module
    url = f"/cms/pages/{module.pk}/edit/"
    response = verified_client(editor).post(
        url, {**module_form("Submitted title"), "action-submit": "action-submit"}
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.workflow_in_progress and module.title == "Module"

    # The editor's attempt to approve is not an action they have: nothing is published.
    verified_client(editor).post(
        url,
        {
            **module_form("Submitted title"),
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
        },
    )
    module.refresh_from_db()
    assert module.workflow_in_progress and module.title == "Module"

    lead = verified_client(clinical_lead)
    assert "Submitted title" in lead.get("/cms/").content.decode()  # awaiting their review
    response = lead.post(
        url,
        {
            **module_form("Submitted title"),
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
        },
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Submitted title" and not module.workflow_in_progress
