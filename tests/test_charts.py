"""The server-drawn charts (check-ins, measures, the report) in Swedish: SVG numbers need a
decimal point whatever the interface language, or a Swedish decimal comma (y="19,0")
scatters the labels and drops the bars."""

from __future__ import annotations

import re

NUMBER = re.compile(r"^-?\d+(\.\d+)?%?$")
NUMERIC = re.compile(
    r'\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|opacity|fill-opacity|stroke-width)="([^"]*)"'
)


def svg_problems(html: str) -> list[str]:
    """Every numeric attribute inside the page's <svg> elements that is not a plain number,
    and every `points` pair that is not "x,y"."""
    problems = []
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        for name, value in NUMERIC.findall(svg):
            if not NUMBER.match(value):
                problems.append(f'{name}="{value}"')
        for points in re.findall(r'points="([^"]*)"', svg):
            for pair in points.split():
                x, _, y = pair.partition(",")
                if not (NUMBER.match(x) and NUMBER.match(y)):
                    problems.append(f"points pair {pair!r}")
    return problems


def test_the_check_it_finds_a_decimal_comma():
    assert svg_problems('<svg><rect y="19,0" width="3"/></svg>') == ['y="19,0"']
    assert svg_problems('<svg><polyline points="1.5,2 3,4,5"/></svg>') == ["points pair '3,4,5'"]
