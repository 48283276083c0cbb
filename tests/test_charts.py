"""The server-drawn charts (check-ins, measures, the report) in Swedish: SVG numbers need a
decimal point whatever the interface language, or a Swedish decimal comma (y="19,0")
scatters the labels and drops the bars."""

from __future__ import annotations

from tests.helpers import svg_problems


def test_the_check_it_finds_a_decimal_comma():
    assert svg_problems('<svg><rect y="19,0" width="3"/></svg>') == ['y="19,0"']
    assert svg_problems('<svg><polyline points="1.5,2 3,4,5"/></svg>') == ["points pair '3,4,5'"]
