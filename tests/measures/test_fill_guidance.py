"""What the questionnaire page tells a participant on the way: an error summary whose links
lead to the unanswered questions, and where this questionnaire stands among those the
occasion asks for."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from measures.models import Instrument, Occasion, ScheduleRule
from tests.helpers import answer, in_english, verified_client

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The ids on a page, the links inside the error summary with their text, and the radio
    inputs that are checked."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.summary_links: list[tuple[str, str]] = []
        self.checked: dict[str, str] = {}
        self.summary_role = ""
        self._summary_depth = 0
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "input" and found.get("type") == "radio" and "checked" in found:
            self.checked[str(found["name"])] = str(found["value"])
        if tag == "div":
            if self._summary_depth:
                self._summary_depth += 1
            elif "form-errors" in (found.get("class") or "").split():
                self._summary_depth = 1
                self.summary_role = str(found.get("role"))
        if tag == "a" and self._summary_depth:
            self._href = found.get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.summary_links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _url(key: str, occasion: str = "intake") -> str:
    return reverse("measures:fill", args=[occasion, key])


def _post(values: list[int | None]) -> dict[str, str]:
    return {str(n): str(v) for n, v in enumerate(values, start=1) if v is not None}


def test_the_summary_links_to_each_unanswered_question(enrollment, participant, instruments):
    client = in_english(verified_client(participant))
    response = client.post(_url("phq-9"), _post([1, 2, None, 3, 1, 1, 0, 2, None]))
    assert response.status_code == 400
    html = response.content.decode()
    page = _parse(html)
    assert "Some questions have no answer yet" in html
    assert page.summary_role == "alert"
    # One link per unanswered question, in the page's order, each to an element on the page:
    # the question's first answer.
    assert [href for href, _text in page.summary_links] == ["#id_3_0", "#id_9_0"]
    for href, _text in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, href
    items = list(instruments["phq-9"].items.order_by("order"))
    assert [text for _href, text in page.summary_links] == [
        f"3. {items[2].text_en}",
        f"9. {items[8].text_en}",
    ]
    # The answered questions are not named in the summary...
    summary_text = " ".join(text for _href, text in page.summary_links)
    for number in (1, 2, 4, 5, 6, 7, 8):
        assert items[number - 1].text_en not in summary_text
    # ...and nothing chosen is lost.
    assert page.checked == {"1": "1", "2": "2", "4": "3", "5": "1", "6": "1", "7": "0", "8": "2"}


def test_an_answer_from_outside_the_scale_is_linked_too(enrollment, participant):
    client = in_english(verified_client(participant))
    response = client.post(_url("audit"), _post([0, 0, 0, 0, 0, 0, 0, 0, 1, 0]))
    assert response.status_code == 400
    page = _parse(response.content.decode())
    assert [href for href, _text in page.summary_links] == ["#id_9_0"]
    assert "id_9_0" in page.ids


def test_a_complete_page_has_no_summary(enrollment, participant):
    html = in_english(verified_client(participant)).get(_url("phq-9")).content.decode()
    assert "form-errors" not in html and _parse(html).summary_links == []


def test_the_page_says_where_the_participant_is_in_the_occasion(enrollment, participant):
    # The default schedule asks for four at the start, shown by key: audit, gad-7, phq-9,
    # violence-checklist.
    client = in_english(verified_client(participant))
    first = client.get(_url("audit")).content.decode()
    assert "Questionnaire 1 of 4" in first
    response = client.post(_url("audit"), _post([0] * 10))
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert f'href="{_url("gad-7")}"' in thanks
    second = client.get(_url("gad-7")).content.decode()
    assert "Questionnaire 2 of 4" in second and "Questionnaire 1 of 4" not in second
    # The count is of what is answered, whichever the participant picks next.
    assert "Questionnaire 2 of 4" in client.get(_url("violence-checklist")).content.decode()
    # A page sent back with errors says it too.
    again = client.post(_url("gad-7"), _post([0, 0, None, 0, 0, 0, 0])).content.decode()
    assert "Questionnaire 2 of 4" in again


def test_the_last_of_the_occasion_is_counted_with_the_answered_ones(
    enrollment, participant, instruments
):
    for key in ("audit", "gad-7", "phq-9"):
        answer(enrollment, instruments[key], Occasion.INTAKE)
    page = in_english(verified_client(participant)).get(_url("violence-checklist"))
    assert "Questionnaire 4 of 4" in page.content.decode()


def test_the_occasion_is_counted_on_its_own(enrollment, participant, instruments):
    """The answers at the start do not count at the end, and an instrument taken out of use
    is not counted."""
    from tests.helpers import complete

    for key in ("audit", "gad-7", "phq-9"):
        answer(enrollment, instruments[key], Occasion.INTAKE)
    complete(enrollment)
    Instrument.objects.filter(key="violence-checklist").update(active=False)
    client = in_english(verified_client(participant))
    page = client.get(_url("phq-9", "completion")).content.decode()
    assert "Questionnaire 1 of 3" in page


def test_no_progress_when_the_occasion_asks_for_one(enrollment, participant, programme):
    ScheduleRule.objects.filter(programme=programme, occasion=Occasion.INTAKE).exclude(
        instrument__key="phq-9"
    ).delete()
    html = in_english(verified_client(participant)).get(_url("phq-9")).content.decode()
    assert "Questionnaire 1" not in html and "measure-progress" not in html
    assert 'type="radio"' in html
