"""User-written text renders inert: a corpus of script-injection strings, each checked by
parsing what we output, not by looking for one substring."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from messaging.rendering import render_text

INJECTIONS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=javascript:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    '<a href="javascript:alert(1)">click</a>',
    "<a href=javascript&colon;alert(1)>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "<scri\x00pt>alert(1)</scri\x00pt>",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    "http://x.org/?q=<img src=x onerror=alert(1)>",
    'mailto:a@b.se?subject="><script>alert(1)</script>',
    "<a href='https://ok.example' onclick=alert(1)>ok</a>",
    "<a href=https://ok.example target=_blank>ok</a>",
    "{{ 7*7 }} {% debug %} ${7*7}",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<x onclick=alert(1)>click",
    "<<script>alert(1);//<</script>",
]

ALLOWED_TAGS = {"a", "br"}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "target"):
                self.problems.append(f"attribute {name}")
            if tag == "a" and name == "href":
                lowered = (value or "").strip().lower()
                if not lowered.startswith(("http://", "https://", "mailto:")):
                    self.problems.append(f"href {value!r}")
            if tag == "a" and name == "rel" and value != "nofollow noopener noreferrer":
                self.problems.append(f"rel {value!r}")
        if tag == "a" and "rel" not in dict(attrs):
            self.problems.append("link without rel")


def test_the_corpus_is_big_enough():
    assert len(INJECTIONS) >= 50


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_renders_inert(text):
    html = str(render_text(text))
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == [], html


def test_plain_text_keeps_its_meaning():
    html = str(render_text("Tom & Jerry <3\nrad två"))
    assert html == "Tom &amp; Jerry &lt;3<br>\nrad två"


def test_links_are_clickable_and_safe():
    html = str(render_text("Läs https://1177.se/stod och mejla hjalp@example.org"))
    assert (
        '<a href="https://1177.se/stod" rel="nofollow noopener noreferrer">'
        "https://1177.se/stod</a>" in html
    )
    assert (
        '<a href="mailto:hjalp@example.org" rel="nofollow noopener noreferrer">'
        "hjalp@example.org</a>" in html
    )


def _through_bleach(text: str) -> str:
    """The full path, escaping and linking through bleach, whatever the text."""
    import bleach

    from messaging.rendering import _linker

    escaped = bleach.clean(text, tags=set(), attributes={}, strip=False)
    return _linker.linkify(escaped).replace("\n", "<br>\n")


PLAIN = [
    "Hej, en kväll till",
    "Bench message 3 from the participant of pair 4: how the week went, how the week went",
    "Det gick bra.\nMen sedan blev jag arg; jag gick ut (som planen sa) och andades.",
    "åäö ÅÄÖ é ü – — … «» 50 % 3/4 #1 @hem * + - _ ~ ^ | \\ / ? ! ; :",
    "tabb\tefter  dubbla  mellanslag\n\n\ntomma rader",
    "slutar med punkt. och en till.se inte? www eller 1177 eller se.",
    "kl. 18.30 – 19.00, sida 3.2, v.32",
    "emoji 😀 och 🇸🇪",
]


@pytest.mark.parametrize("text", PLAIN + INJECTIONS + ["Läs https://1177.se och a@b.se"])
def test_the_shortcut_for_plain_text_gives_what_bleach_gives(text):
    """render_text skips bleach for text with nothing to escape or link; the output must be
    the same as bleach's, whichever way it went."""
    assert str(render_text(text)) == _through_bleach(text)
