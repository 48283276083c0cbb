"""Phone numbers are tel: links in the help box and in a module's callouts and texts (issue
14, item 3), made safely inside text that is already escaped HTML."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils.safestring import mark_safe

from content.blocks import CalloutBlock
from content.templatetags.phone import tel_href, tel_links
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Ring 112.", "tel:112"),
        ("Självmordslinjen 90101, dygnet runt", "tel:90101"),
        ("Välj att sluta, 020-555 666", "tel:020555666"),
        ("ring 020-50 50 50 i kväll", "tel:020505050"),
        ("1177 Vårdguiden", "tel:1177"),
        ("08-123 456 78", "tel:0812345678"),
        ("+46 8 123 456 78", "tel:+46812345678"),
    ],
)
def test_swedish_numbers_become_tel_links(text, href):
    assert f'<a href="{href}">' in tel_links(text)


@pytest.mark.parametrize(
    "text",
    ["Det tar 10 minuter", "år 2026", "skala 0-10", "version 1.112", "1121 steg", "24/7"],
)
def test_other_numbers_stay_text(text):
    assert "<a" not in tel_links(text)


def test_text_is_escaped_and_existing_links_are_left_alone():
    assert tel_links("<script>alert(112)</script>") == (
        '&lt;script&gt;alert(<a href="tel:112">112</a>)&lt;/script&gt;'
    )
    html = mark_safe('<p>Ring <a href="tel:112">112</a> eller <b>90101</b></p>')
    assert str(tel_links(html)) == (
        '<p>Ring <a href="tel:112">112</a> eller <b><a href="tel:90101">90101</a></b></p>'
    )
    assert tel_href("020-555 666") == "tel:020555666"


def test_a_safety_callout_links_its_numbers():
    block = CalloutBlock()
    value = block.to_python(
        {
            "kind": "safety",
            "title": "Om du är nära att använda våld",
            "text": "<p><strong>Ring 112</strong> om någon är i fara. "
            "Ring Välj att sluta, 020-555 666.</p>",
        }
    )
    html = block.render(value, {"block_id": "x"})
    assert '<strong>Ring <a href="tel:112">112</a></strong>' in html
    assert '<a href="tel:020555666">020-555 666</a>' in html


def test_every_number_in_the_help_box_is_a_tel_link(participant):
    page = verified_client(participant).get("/participant/").content.decode()
    box = page.split('id="help-box"', 1)[1].split("</aside>", 1)[0]
    assert '<a href="tel:112">112</a>' in box  # in the sentence "Om någon är i fara, ring 112."
    assert '<a href="tel:020555666">020-555 666</a>' in box
    assert '<a class="help-now" href="#help-box">Hjälp nu</a>' in page
    rendered = Template("{% load phone %}{{ t|tel_links }}").render(Context({"t": "ring 112"}))
    assert rendered == 'ring <a href="tel:112">112</a>'
