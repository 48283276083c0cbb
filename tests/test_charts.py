"""The server-drawn charts (check-ins, measures, the report) in Swedish: SVG numbers need a
decimal point whatever the interface language, or a Swedish decimal comma (y="19,0")
scatters the labels and drops the bars."""

from __future__ import annotations

from types import SimpleNamespace

from measures.charts import Axis, bar_rows, polyline, spread
from tests.helpers import svg_problems


def test_the_check_it_finds_a_decimal_comma():
    assert svg_problems('<svg><rect y="19,0" width="3"/></svg>') == ['y="19,0"']
    assert svg_problems('<svg><polyline points="1.5,2 3,4,5"/></svg>') == ["points pair '3,4,5'"]


def test_the_axis_grows_upwards_from_its_start():
    y_of = Axis(170, 30, 10)  # a y axis: 0 at the bottom (170), 10 at the top (30)
    assert [y_of(0), y_of(5), y_of(10)] == [170.0, 100.0, 30.0]
    assert Axis(10, 590, 100)(50) == 300.0


def test_spread_and_polyline():
    assert spread(30, 570, 3) == [30.0, 300.0, 570.0]
    assert spread(30, 570, 1) == [30.0]
    points = [SimpleNamespace(x=x, y=1.5) for x in spread(0, 10, 2)]
    assert polyline(points) == "0.0,1.5 10.0,1.5"


def test_bar_rows_put_each_figure_just_past_its_bar():
    first, second = bar_rows([4, 1], 4, left=100, span=200, bar=20, gap=10, label=14)
    assert (first["label_y"], first["y"], first["text_y"]) == (21, 24, 34.0)
    assert (first["width"], first["end"]) == (200.0, 306.0)
    assert (second["y"], second["width"], second["end"]) == (68, 50.0, 156.0)
