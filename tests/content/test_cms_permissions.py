"""Page permissions: editors write drafts, clinical leads publish, nobody else gets in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, Page

from content.models import ModulePage
from tests.helpers import HEADING_BODY, make_module, module_form, verified_client


def _root_codenames(group_name: str) -> set[str]:
    root = Page.get_first_root_node()
    return set(
        GroupPagePermission.objects.filter(group__name=group_name, page=root).values_list(
            "permission__codename", flat=True
        )
    )


@pytest.mark.django_db
def test_groups_hold_the_page_permissions_of_their_role():
    assert _root_codenames("Editors") == {"add_page", "change_page"}
    assert _root_codenames("Clinical leads") == {"add_page", "change_page", "publish_page"}
    # Wagtail's default Moderators group could publish everything: it keeps no page rights.
    assert _root_codenames("Moderators") == set()
    assert (
        Group.objects.get(name="Clinical leads")
        .permissions.filter(codename="change_helpsettings")
        .exists()
    )
    assert (
        not Group.objects.get(name="Editors")
        .permissions.filter(codename="change_helpsettings")
        .exists()
    )


def test_permission_api_agrees(programme, editor, clinical_lead):
    module = make_module(programme, HEADING_BODY)
    editor_perms = module.permissions_for_user(editor)
    assert editor_perms.can_edit() and editor_perms.can_submit_for_moderation()
    assert not editor_perms.can_publish()
    assert module.permissions_for_user(clinical_lead).can_publish()


def test_editor_creates_a_module_as_a_draft_and_cannot_publish_it(programme, editor):
    client = verified_client(editor)
    response = client.post(
        f"/cms/pages/add/content/modulepage/{programme.pk}/",
        {**module_form("New module", slug="new"), "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    # The slug is not in the form (no "Promote" tab): it is made from the title.
    module = ModulePage.objects.get(slug="new-module")
    assert not module.live
    assert module.get_latest_revision().content["title"] == "New module"


def test_editor_edits_a_draft_but_publishing_is_refused(programme, editor):
    module = make_module(programme, HEADING_BODY)
    client = verified_client(editor)
    assert client.get(f"/cms/pages/{module.pk}/edit/").status_code == 200
    response = client.post(
        f"/cms/pages/{module.pk}/edit/",
        {**module_form("Edited by the editor"), "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.live and module.title == "Module"  # what participants see: unchanged
    assert module.has_unpublished_changes
    assert module.get_latest_revision().content["title"] == "Edited by the editor"


def test_clinical_lead_publishes(programme, clinical_lead):
    module = make_module(programme, HEADING_BODY)
    response = verified_client(clinical_lead).post(
        f"/cms/pages/{module.pk}/edit/",
        {**module_form("Edited by the lead"), "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.live and module.title == "Edited by the lead"
    assert not module.has_unpublished_changes


@pytest.mark.parametrize("role", ["therapist", "participant"])
def test_no_cms_at_all_for_therapists_and_participants(programme, role, request):
    user = request.getfixturevalue(role)
    module = make_module(programme, HEADING_BODY)
    client = verified_client(user)
    for url in [
        "/cms/",
        "/cms/pages/",
        f"/cms/pages/{module.pk}/edit/",
        f"/cms/pages/{module.pk}/view_draft/",
        "/cms/settings/content/helpsettings/",
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert not response["Location"].startswith("/cms/pages"), url
    response = client.post(
        f"/cms/pages/{module.pk}/edit/",
        {**module_form("Hacked"), "action-publish": "action-publish"},
    )
    assert response.status_code in (302, 403)
    module.refresh_from_db()
    assert module.title == "Module"
    assert module.get_latest_revision().content["title"] == "Module"


def test_admin_preview_renders_the_participant_template(programme, editor):
    module = make_module(programme, HEADING_BODY)
    client = verified_client(editor)
    url = f"/cms/pages/{module.pk}/edit/preview/"
    response = client.post(url, module_form("Previewed title"))
    assert response.status_code == 200
    assert response.json()["is_valid"] is True
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="module-title">Previewed title</h1>' in html
    assert 'id="help-box-title"' in html
    # A preview changes nothing that participants see.
    module.refresh_from_db()
    assert module.title == "Module" and not module.has_unpublished_changes
