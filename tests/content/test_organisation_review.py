"""The clinical review is the owning organisation's: a clinical lead of another organisation
can neither see nor approve a change to a programme it does not own, by any of Wagtail's ways
in (the dashboard, the editor's action menu, the workflow-action view)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Task, Workflow, WorkflowTask

from accounts.models import Role
from content.models import ModulePage, OrganisationReviewTask, ProgramPage
from content.seed import REVIEW_GROUP, REVIEW_TASK_NAME, attach_review_workflow
from content.selectors import reviews_for
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import HEADING_BODY, make_module, make_user, module_form, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(programme: ProgramPage) -> dict:
    here = first_unit()
    programme.owning_organisation = here.organisation
    programme.save(update_fields=["owning_organisation"])
    attach_review_workflow()
    module = make_module(programme, HEADING_BODY)
    norrby = Organisation.objects.create(
        slug="norrby", name="Norrby kommun", regime=Regime.SOCIAL_SERVICES
    )
    there = Unit.objects.create(organisation=norrby, slug="vp", name="Våldsprevention")
    people = {
        "editor": make_user("ed@example.org", [Role.EDITOR], unit=here),
        "lead": make_user("lead@example.org", [Role.CLINICAL_LEAD], unit=here),
        "other_lead": make_user("lead@norrby.example.org", [Role.CLINICAL_LEAD], unit=there),
    }
    response = verified_client(people["editor"]).post(
        f"/cms/pages/{module.pk}/edit/",
        {**module_form("Submitted title"), "action-submit": "action-submit"},
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.workflow_in_progress
    return {"module": module, **people}


def _still_waiting(module: ModulePage) -> bool:
    module.refresh_from_db()
    return module.workflow_in_progress and module.title == "Module"


def test_the_seeded_review_is_the_owning_organisations(submitted) -> None:
    task = submitted["module"].current_workflow_task_state.task.specific
    assert isinstance(task, OrganisationReviewTask)
    assert isinstance(task, GroupApprovalTask)  # Wagtail still treats it as a group approval
    # Both clinical leads are in the group Wagtail's own rule looks at.
    for who in ("lead", "other_lead"):
        assert submitted[who].groups.filter(name=REVIEW_GROUP).exists()


def test_another_organisations_clinical_lead_cannot_approve_by_the_workflow_action_view(
    submitted,
) -> None:
    module = submitted["module"]
    state = module.current_workflow_task_state
    other = verified_client(submitted["other_lead"])
    url = reverse("wagtailadmin_pages:workflow_action", args=[module.pk, "approve", state.pk])
    # Wagtail's admin answers a refused action by sending the person to its dashboard.
    assert other.post(url, {"comment": ""}).status_code == 302
    assert other.get(url).status_code == 302
    assert _still_waiting(module)
    # Nor through the editor's form.
    other.post(
        f"/cms/pages/{module.pk}/edit/",
        {
            **module_form("Submitted title"),
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
        },
    )
    assert _still_waiting(module)


def test_another_organisations_clinical_lead_is_not_asked_to_review_it(submitted) -> None:
    assert reviews_for(submitted["other_lead"]) == []
    assert [item.title for item in reviews_for(submitted["lead"])] == ["Submitted title"]
    dashboard = verified_client(submitted["other_lead"]).get("/cms/").content.decode()
    assert "Submitted title" not in dashboard
    task = submitted["module"].current_workflow_task_state.task.specific
    assert task.locked_for_user(submitted["module"], submitted["other_lead"])
    assert not task.locked_for_user(submitted["module"], submitted["lead"])


def test_the_owning_organisations_clinical_lead_approves(submitted) -> None:
    module = submitted["module"]
    state = module.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[module.pk, "approve", state.pk])
    response = verified_client(submitted["lead"]).post(url, {"comment": "Looks right"})
    assert response.status_code in (200, 302)
    module.refresh_from_db()
    assert module.title == "Submitted title" and module.live and not module.workflow_in_progress


def test_an_installation_with_the_old_task_gets_the_narrower_rule_with_reviews_under_way(
    programme: ProgramPage,
) -> None:
    # As seeded before: a plain group approval task, a change waiting for it.
    old = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    group = Group.objects.get_or_create(name=REVIEW_GROUP)[0]
    old.groups.add(group)
    workflow = Workflow.objects.create(name="Klinisk granskning (gammal)")
    WorkflowTask.objects.create(workflow=workflow, task=old, sort_order=0)
    programme.owning_organisation = first_unit().organisation
    programme.save(update_fields=["owning_organisation"])
    from wagtail.models import WorkflowPage

    WorkflowPage.objects.create(page=programme, workflow=workflow)
    module = make_module(programme, HEADING_BODY)
    editor = make_user("ed@example.org", [Role.EDITOR])
    draft = module.get_latest_revision_as_object()
    draft.title = "Waiting"
    draft.save_revision(user=editor)
    workflow.start(module, editor)
    norrby = Organisation.objects.create(slug="norrby", name="Norrby", regime=Regime.HEALTH_CARE)
    other_lead = make_user(
        "lead@norrby.example.org",
        [Role.CLINICAL_LEAD],
        unit=Unit.objects.create(organisation=norrby, slug="u", name="U"),
    )
    module.refresh_from_db()
    assert old.get_actions(module, other_lead)  # the hole this closes

    migration = importlib.import_module("content.migrations.0012_organisation_review_task")
    migration.upgrade_seeded_task(apps, None)  # it writes rows only

    task = Task.objects.get(pk=old.pk).specific
    assert isinstance(task, OrganisationReviewTask)
    assert list(task.groups.all()) == [group]
    module.refresh_from_db()
    assert module.current_workflow_task_state.task.specific.get_actions(module, other_lead) == []
    lead = make_user("lead@example.org", [Role.CLINICAL_LEAD])
    assert task.get_actions(module, lead)
    module.current_workflow_task_state.approve(user=lead)
    module.refresh_from_db()
    assert module.title == "Waiting" and module.live
