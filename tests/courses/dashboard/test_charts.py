"""The dashboard's SVG charts: well-formed, named and described for assistive technology, every
value written as text, labels inert, lengths proportional, nothing a strict CSP would block."""

import re
import xml.etree.ElementTree as ET

from django.template import Context, Template
from django.utils.safestring import SafeString

from courses.dashboard.charts import NO_DATA, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    return ET.fromstring(str(markup))  # noqa: S314 (our own markup)


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def bar_widths(root):
    return [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]


def test_a_bar_chart_is_a_named_described_scalable_image():
    markup = bar_chart(
        title="Completion per site", bars=[("Riverside", 60), ("Hillside", 30)], unit="%"
    )
    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox"))
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "Completion per site"
    assert desc.text == "2 bars. Riverside: 60%; Hillside: 30%."


def test_every_bar_has_its_label_and_value_as_text():
    root = parse(bar_chart(title="Enrolled", bars=[("Riverside", 1234), ("Hillside", 7.25)]))
    assert texts(root) == ["Riverside", "1,234", "Hillside", "7.3"]  # halves away from zero


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(bar_chart(title="Runs", bars=[("A", 10), ("B", 5), ("C", 0), ("D", 2.5)]))
    first, second, third, fourth = bar_widths(root)
    assert first > 0
    assert second == first / 2
    assert third == 0
    assert fourth == first / 4


def test_a_maximum_sets_the_scale_and_longer_values_stop_at_it():
    full = bar_widths(parse(bar_chart(title="Rates", bars=[("all", 100)], maximum=100)))[0]
    root = parse(bar_chart(title="Rates", bars=[("half", 50), ("over", 120)], maximum=100))
    assert bar_widths(root) == [full / 2, full]
    assert texts(root)[-1] == "120"


def test_labels_and_titles_stay_text():
    markup = bar_chart(
        title='<img src=x onerror="alert(1)">',
        bars=[("<script>alert(1)</script>", 3), ("Tom & Jerry's", 2)],
    )
    assert "<script>" not in markup
    assert "<img" not in markup
    root = parse(markup)
    assert texts(root)[0] == "<script>alert(1)</script>"
    assert texts(root)[2] == "Tom & Jerry's"
    assert root.find(f"{SVG}title").text == '<img src=x onerror="alert(1)">'
    assert not [element for element in root.iter() if element.tag.endswith("script")]


def test_nothing_a_strict_content_security_policy_blocks():
    for markup in (
        bar_chart(title="A", bars=[("x", 1)]),
        line_chart(title="B", points=[("x", 1), ("y", 2)]),
    ):
        root = parse(markup)
        attributes = {name for element in root.iter() for name in element.attrib}
        assert "style" not in attributes
        assert not [name for name in attributes if name.startswith("on")]
        assert not [element for element in root.iter() if element.tag == f"{SVG}style"]


def test_bar_colours_have_enough_contrast_on_white():
    root = parse(bar_chart(title="A", bars=[("x", 1)]))
    assert {rect.get("fill") for rect in root.iter(f"{SVG}rect")} == {"#005eb8"}
    assert {text.get("fill") for text in root.iter(f"{SVG}text")} == {"#212b32"}


def test_no_data_is_said_in_words():
    assert bar_chart(title="Nothing", bars=[]) == f'<p class="nhsuk-body">{NO_DATA}</p>'
    assert line_chart(title="Nothing", points=[]) == f'<p class="nhsuk-body">{NO_DATA}</p>'


def test_all_zero_values_draw_empty_bars_without_dividing_by_zero():
    root = parse(bar_chart(title="Zero", bars=[("A", 0), ("B", 0)]))
    assert bar_widths(root) == [0, 0]
    assert texts(root) == ["A", "0", "B", "0"]
    root = parse(bar_chart(title="Zero", bars=[("A", 3)], maximum=0))
    assert bar_widths(root) == [0]


def test_a_missing_value_is_no_bar_and_reads_no_data():
    root = parse(bar_chart(title="Rates", bars=[("A", None), ("B", 4)], unit="%"))
    assert bar_widths(root)[0] == 0
    assert texts(root)[:2] == ["A", "no data"]
    assert "A: no data" in root.find(f"{SVG}desc").text


def test_a_long_label_is_shortened_on_the_chart_but_whole_in_the_description():
    label = "A very long course run title that goes on and on, at the Northfield Community Hall"
    root = parse(bar_chart(title="Runs", bars=[(label, 1)]))
    shown = texts(root)[0]
    assert shown.endswith("…")
    assert label.startswith(shown[:-1])
    assert label in root.find(f"{SVG}desc").text


def test_a_line_chart_has_a_point_and_a_value_for_each_label():
    root = parse(
        line_chart(
            title="Attendance per session",
            points=[(f"Session {n}", value) for n, value in enumerate([12, 10, 9, 6], 1)],
        )
    )
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Attendance per session"
    assert root.find(f"{SVG}desc").text == (
        "4 points. Session 1: 12; Session 2: 10; Session 3: 9; Session 4: 6."
    )
    assert texts(root) == [
        "12", "Session 1", "10", "Session 2", "9", "Session 3", "6", "Session 4"
    ]  # fmt: skip
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 4
    heights = [float(circle.get("cy")) for circle in circles]
    assert heights == sorted(heights)  # falling values sit lower (larger y)
    polyline = root.find(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 4
    # The axis starts at 0: height above the axis is proportional to the value.
    baseline = float(root.find(f"{SVG}line").get("y1")) - 0.5
    above = [baseline - height for height in heights]
    assert above[3] / above[0] == 6 / 12


def test_a_line_chart_of_zeros_sits_on_the_axis_and_one_point_is_centred():
    root = parse(line_chart(title="Zero", points=[("Jan", 0), ("Feb", 0)]))
    baseline = float(root.find(f"{SVG}line").get("y1")) - 0.5
    assert {float(circle.get("cy")) for circle in root.iter(f"{SVG}circle")} == {baseline}
    root = parse(line_chart(title="One", points=[("Jan", 5)], unit="%"))
    width = float(root.get("viewBox").split()[2])
    assert float(next(root.iter(f"{SVG}circle")).get("cx")) == width / 2
    assert texts(root) == ["5%", "Jan"]


def test_a_missing_point_breaks_the_line():
    root = parse(line_chart(title="Gaps", points=[("1", 4), ("2", 3), ("3", None), ("4", 2)]))
    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2]
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert "no data" in texts(root)


def test_line_labels_are_escaped():
    root = parse(line_chart(title="<b>", points=[("<script>", 1)]))
    assert texts(root) == ["1", "<script>"]


def test_the_template_tags_draw_the_same_charts():
    bars = [("Riverside", 3), ("<Hillside>", 1)]
    points = [("1", 3), ("2", 2)]
    rendered = Template(
        "{% load charts %}"
        '{% bar_chart title="Enrolled" bars=bars %}|{% line_chart title="Attended" points=points %}'
    ).render(Context({"bars": bars, "points": points}))
    assert rendered == (
        f"{bar_chart(title='Enrolled', bars=bars)}|{line_chart(title='Attended', points=points)}"
    )


def test_long_labels_along_the_axis_alternate_on_two_rows():
    months = ["September 2026", "October 2026", "November 2026", "December 2026"]
    root = parse(line_chart(title="By month", points=[(month, 50) for month in months]))
    labels = [text for text in root.iter(f"{SVG}text") if text.text in months]
    assert [text.text for text in labels] == months
    rows = [float(text.get("y")) for text in labels]
    assert rows[0] == rows[2] < rows[1] == rows[3]
    assert float(root.get("viewBox").split()[3]) > rows[1]
    short = parse(line_chart(title="Sessions", points=[("Session 1", 5), ("Session 2", 4)]))
    assert len({text.get("y") for text in short.iter(f"{SVG}text") if "Session" in text.text}) == 1
