"""The one rounding rule for every figure people read (cms.numbers)."""

import math

import pytest
from django.template import Context, Template

from cms.numbers import figure_text, rounded


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4.65, 4.7),  # the float is a hair below 4.65; as written, a half: away from zero
        (4.25, 4.3),  # exactly a half in binary too: round() would give 4.2 (halves to even)
        (4.35, 4.4),
        (-4.65, -4.7),
        (2.675, 2.7),
        (4.142857, 4.1),
        (0.05, 0.1),
        (-0.04, -0.0),
        (100, 100.0),
        (None, None),
        (math.nan, None),
    ],
)
def test_one_decimal_place_halves_away_from_zero(value, expected):
    assert rounded(value) == expected


def test_two_places_for_the_few_figures_given_to_two():
    assert rounded(0.125, 2) == 0.13
    assert rounded(-0.125, 2) == -0.13


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4.65, "4.7"),
        (6.0, "6"),
        (1234.56, "1,234.6"),
        (1234, "1,234"),
        (-0.04, "0"),
        (None, "no data"),
        (True, "Yes"),
        (False, "No"),
    ],
)
def test_figures_as_text(value, expected):
    assert figure_text(value) == expected


def test_units_and_the_template_filter_use_the_same_rule():
    assert figure_text(85.71428, unit="%") == "85.7%"
    rendered = Template("{% load numbers %}{{ a|figure }} {{ b|figure:2 }} {{ c|figure }}").render(
        Context({"a": 4.65, "b": 0.125, "c": None})
    )
    assert rendered == "4.7 0.13 no data"
