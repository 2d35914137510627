"""StreamField blocks for reflection questionnaires (Instrument.definition), and the two-way
translation between that stream and the plain definition dict that files in content/instruments/
also use (see assessments.reflections.instruments.definition_clean for the dict's shape).

An item's key is its block id unless the author gives one: keys are how an answer is matched
across versions, so the id Wagtail keeps for a block through edits is a key nobody has to think
about. Files give explicit keys, so reloading a file keeps them.
"""

import uuid

from django.db import models
from wagtail import blocks

# models.py imports this module for Instrument.definition, so ItemKind is read lazily here.
RATING, RETROSPECTIVE = "rating", "retrospective"


def item_kind_choices():
    from assessments.models import ItemKind

    return ItemKind.choices


# Stable block ids for things that carry an explicit key, so rebuilding the stream from the same
# definition gives the same stream.
BLOCK_ID_NAMESPACE = uuid.UUID("2f0b7a52-3c1e-4c7e-9d55-6f1d3e0b9a61")


class Asked(models.TextChoices):
    BOTH = "both", "Before and after"
    BEFORE = "before", "Before only"
    AFTER = "after", "After only"


class PointBlock(blocks.StructBlock):
    value = blocks.IntegerBlock(help_text="A whole number, e.g. 0.")
    label = blocks.CharBlock(
        required=False, max_length=100, help_text="What the number means, or leave empty."
    )

    class Meta:
        icon = "radio-full"
        template = "assessments/blocks/instrument_point.html"
        label = "Point"
        preview_value = {"value": 0, "label": "Not at all confident"}


class PointRangeBlock(blocks.StructBlock):
    start = blocks.IntegerBlock(required=False, label="From", help_text="The lowest point, e.g. 0.")
    end = blocks.IntegerBlock(required=False, label="To", help_text="The highest point, e.g. 10.")
    start_label = blocks.CharBlock(
        required=False, max_length=100, label="Label of the lowest point"
    )
    end_label = blocks.CharBlock(required=False, max_length=100, label="Label of the highest point")

    class Meta:
        icon = "list-ol"
        template = "assessments/blocks/instrument_point_range.html"
        label = "Points from ... to ..."
        form_classname = "struct-block"
        preview_value = {
            "start": 0,
            "end": 10,
            "start_label": "Not at all confident",
            "end_label": "Completely confident",
        }


class ChoiceOptionBlock(blocks.StructBlock):
    value = blocks.CharBlock(
        max_length=60, help_text="Short, kept in exports, e.g. weekly. Keep it across versions."
    )
    label = blocks.CharBlock(max_length=200, help_text="What people read, e.g. Every week.")

    class Meta:
        icon = "radio-empty"
        template = "assessments/blocks/instrument_option.html"
        label = "Option"
        preview_value = {"value": "friend", "label": "From a friend or relative"}


ITEM_PREVIEW = {
    "kind": RATING,
    "text": "How confident are you to say what you want to talk about at the start of "
    "an appointment?",
    "hint": "",
    "asked": Asked.BOTH,
    "required": True,
    "reverse_scored": False,
    "point_range": {
        "start": 0,
        "end": 10,
        "start_label": "Not at all confident",
        "end_label": "Completely confident",
    },
    "points": [],
    "options": [],
    "key": "",
}


class ItemBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=item_kind_choices)
    text = blocks.TextBlock(rows=2, label="Question")
    hint = blocks.TextBlock(
        rows=2, required=False, help_text="Optional: shown under the question in smaller type."
    )
    asked = blocks.ChoiceBlock(
        choices=Asked.choices,
        default=Asked.BOTH,
        help_text="Looking-back items are always asked after.",
    )
    required = blocks.BooleanBlock(required=False, default=True, help_text="Must be answered.")
    reverse_scored = blocks.BooleanBlock(
        required=False,
        help_text="Rating items in a scale only: tick when a high answer means less of what the "
        "scale measures (e.g. “I tend to solve the problem for the person”).",
    )
    point_range = PointRangeBlock(
        required=False,
        help_text="Rating and looking-back items: the simple way, numbers from ... to ... with a "
        "label at each end.",
    )
    points = blocks.ListBlock(
        PointBlock(),
        default=[],
        required=False,
        help_text="Rating and looking-back items: or list every point with its own label "
        "(leave the range empty).",
    )
    options = blocks.ListBlock(
        ChoiceOptionBlock(), default=[], required=False, help_text="Single choice items only."
    )
    key = blocks.CharBlock(
        required=False,
        max_length=64,
        help_text="Leave empty: the question keeps its own key through edits. Files in "
        "content/instruments give one so that reloading keeps it.",
    )

    def get_context(self, value, parent_context=None):
        """The preview names the kind and when it is asked in words, not by their codes."""
        context = super().get_context(value, parent_context=parent_context)
        context["kind_label"] = dict(item_kind_choices()).get(value.get("kind"), "")
        context["asked_label"] = dict(Asked.choices).get(value.get("asked"), "")
        return context

    class Meta:
        icon = "help"
        template = "assessments/blocks/instrument_item.html"
        label = "Question"
        preview_value = ITEM_PREVIEW


class ScaleBlock(blocks.StructBlock):
    key = blocks.RegexBlock(
        regex=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
        max_length=60,
        error_messages={"invalid": "Use lower-case letters, numbers and hyphens only."},
        help_text="A short name, e.g. agenda. Before and after scores are matched by it, so "
        "keep it the same across versions.",
    )
    label = blocks.CharBlock(
        max_length=200,
        help_text="Reads after “your”: e.g. confidence in setting an agenda.",
    )
    items = blocks.ListBlock(ItemBlock(), label="Questions")

    class Meta:
        icon = "list-ul"
        template = "assessments/blocks/instrument_scale.html"
        label = "Scale"
        preview_value = {
            "key": "agenda",
            "label": "confidence in setting an agenda",
            "items": [ITEM_PREVIEW],
        }


class DefinitionBlock(blocks.StreamBlock):
    scale = ScaleBlock()
    question = ItemBlock(label="Question not in a scale")

    class Meta:
        icon = "form"


# --- stream <-> definition dict -----------------------------------------------------------------


def _asked(kind, asked):
    if kind == RETROSPECTIVE and asked == Asked.BOTH:
        return False, True  # looking back is after, whatever the default says
    return asked in (Asked.BOTH, Asked.BEFORE), asked in (Asked.BOTH, Asked.AFTER)


def _item_from_block(value, block_id, scale_key):
    kind = value["kind"]
    asked_before, asked_after = _asked(kind, value["asked"])
    item = {
        "key": (value["key"] or "").strip() or str(block_id),
        "kind": kind,
        "text": value["text"],
        "hint": value["hint"],
        "scale": scale_key,
        "reverse_scored": bool(value["reverse_scored"]),
        "asked_before": asked_before,
        "asked_after": asked_after,
        "required": bool(value["required"]),
        "points": [{"value": p["value"], "label": p["label"] or ""} for p in value["points"]],
        "options": [{"value": o["value"], "label": o["label"]} for o in value["options"]],
    }
    point_range = value["point_range"]
    if point_range and (point_range["start"] is not None or point_range["end"] is not None):
        item["point_range"] = {
            "from": point_range["start"],
            "to": point_range["end"],
            "lowest": point_range["start_label"] or "",
            "highest": point_range["end_label"] or "",
        }
    return item


def definition_from_stream(stream) -> dict:
    """The definition dict an author's stream stands for (not yet checked: see
    instruments.definition_clean)."""
    scales, items = [], []
    for child in stream or []:
        if child.block_type == "scale":
            key = child.value["key"]
            scales.append({"key": key, "label": child.value["label"]})
            for bound in child.value["items"].bound_blocks:
                items.append(_item_from_block(bound.value, bound.id, key))
        elif child.block_type == "question":
            items.append(_item_from_block(child.value, child.id, None))
    return {"scales": scales, "items": items}


def _is_uuid(text):
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _point_range_of(points):
    """(start, end, start label, end label) when the points are consecutive whole numbers
    labelled at the ends only, which the admin shows as a range; otherwise None."""
    values = [point["value"] for point in points]
    if len(values) < 2 or values != list(range(values[0], values[0] + len(values))):
        return None
    if any(point["label"] for point in points[1:-1]):
        return None
    return values[0], values[-1], points[0]["label"], points[-1]["label"]


def _child_id(item, what, number):
    return str(uuid.uuid5(BLOCK_ID_NAMESPACE, f"{item['key']}:{what}:{number}"))


def _block_value_of(item):
    if item["asked_before"] and item["asked_after"]:
        asked = Asked.BOTH
    elif item["asked_before"]:
        asked = Asked.BEFORE
    else:
        asked = Asked.AFTER
    as_range = _point_range_of(item["points"])
    return {
        "kind": item["kind"],
        "text": item["text"],
        "hint": item["hint"],
        "asked": asked.value,
        "required": item["required"],
        "reverse_scored": item["reverse_scored"],
        "point_range": {
            "start": as_range[0] if as_range else None,
            "end": as_range[1] if as_range else None,
            "start_label": as_range[2] if as_range else "",
            "end_label": as_range[3] if as_range else "",
        },
        "points": [
            {"type": "item", "value": dict(point), "id": _child_id(item, "point", n)}
            for n, point in enumerate([] if as_range else item["points"])
        ],
        "options": [
            {"type": "item", "value": dict(option), "id": _child_id(item, "option", n)}
            for n, option in enumerate(item["options"])
        ],
        # A key that is a block id stays implicit: the block keeps it as its id.
        "key": "" if _is_uuid(item["key"]) else item["key"],
    }


def _block_id_of(item):
    if _is_uuid(item["key"]):
        return item["key"]
    return str(uuid.uuid5(BLOCK_ID_NAMESPACE, f"item:{item['key']}"))


def stream_from_definition(definition: dict) -> list[dict]:
    """Raw stream data for a tidied definition (items of a scale are together, as
    definition_clean leaves them). Reading it back with definition_from_stream gives the same
    definition, so the admin shows what a file loaded and saving it unchanged changes nothing."""
    labels = {scale["key"]: scale["label"] for scale in definition["scales"]}
    stream = []
    for item in definition["items"]:
        entry = {"type": "item", "value": _block_value_of(item), "id": _block_id_of(item)}
        key = item["scale"]
        if key is None:
            stream.append({"type": "question", "value": entry["value"], "id": entry["id"]})
        elif stream and stream[-1]["type"] == "scale" and stream[-1]["value"]["key"] == key:
            stream[-1]["value"]["items"].append(entry)
        else:
            stream.append(
                {
                    "type": "scale",
                    "value": {"key": key, "label": labels[key], "items": [entry]},
                    "id": str(uuid.uuid5(BLOCK_ID_NAMESPACE, f"scale:{key}")),
                }
            )
    return stream
