"""The participant's own pages pass the project's basic accessibility check (one h1, a
language, a skip link, every field labelled): the module page with every block type, the
module list, the locked page and the check-in pages."""

from __future__ import annotations

import pytest

from tests.helpers import check_accessibility, modules_of, verified_client


@pytest.mark.django_db
def test_participant_pages_are_labelled_and_structured(enrollment, programme, participant):
    first, second, _third = modules_of(programme)
    client = verified_client(participant)
    pages = {
        f"/participant/modules/{first.translation_key}/": 200,
        f"/participant/modules/{second.translation_key}/": 403,
        "/participant/modules/": 200,
        "/participant/checkin/": 200,
        "/participant/checkins/": 200,
        "/participant/checkin/thanks/": 200,
    }
    for path, status in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        html = response.content.decode()
        check_accessibility(html, path)
        assert 'id="help-box-title"' in html, path  # safety rule 5
    module_page = client.get(f"/participant/modules/{first.translation_key}/").content.decode()
    for block_type in ("reflection", "worksheet", "checklist", "single_choice", "scale"):
        assert f"block-{block_type}" in module_page, block_type
    # Radio and checkbox groups are fieldsets with a legend, so a screen reader names them.
    assert module_page.count("<fieldset") == module_page.count("<legend")
