"""Nobody can delete a module people have worked in from the CMS: they are told why, nothing
is deleted and the answers stay; a module nobody has opened can still be deleted. (A clinical
lead may delete a published module; an editor only an unpublished one.)"""

from __future__ import annotations

import pytest

from content.models import ModulePage
from modules.models import Answer
from tests.helpers import modules_of, save_answer, verified_client

pytestmark = pytest.mark.django_db


def test_deleting_an_answered_module_is_refused_with_the_reason(
    enrollment, participant, clinical_lead, programme
):
    first = modules_of(programme)[0]
    block = next(child for child in first.body if child.block_type == "reflection")
    save_answer(participant, enrollment, first, block.id, "Mitt svar")
    client = verified_client(clinical_lead)
    for method in ("get", "post"):
        response = getattr(client, method)(f"/cms/pages/{first.pk}/delete/", follow=True)
        assert response.status_code == 200
        assert "kan inte raderas" in response.content.decode()
    assert ModulePage.objects.filter(pk=first.pk).exists()
    assert Answer.objects.get(block_id=block.id).value == "Mitt svar"


def test_a_module_nobody_has_opened_can_still_be_deleted(clinical_lead, programme):
    last = modules_of(programme)[-1]
    response = verified_client(clinical_lead).post(f"/cms/pages/{last.pk}/delete/")
    assert response.status_code == 302
    assert not ModulePage.objects.filter(pk=last.pk).exists()
