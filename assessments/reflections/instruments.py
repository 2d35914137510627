"""Reflection questionnaires (instruments): checking a definition, saving it as a version, and
loading the questionnaires in content/instruments/.

A definition is a plain dict, the same whether it comes from a TOML file or from the admin's
StreamField (instrument_blocks.definition_from_stream):

    {"scales": [{"key", "label"}],
     "items": [{"key", "kind", "text", "hint", "scale", "reverse_scored", "asked_before",
                "asked_after", "required", "points": [{"value", "label"}],
                "options": [{"value", "label"}]}]}

`definition_clean` checks it and returns it tidied (every field present, in one order), so two
definitions that mean the same are equal and a version is made only when something changed.
Once anyone has a response to a version (draft or submitted) that version is frozen: saving
makes the next version and earlier answers keep the items they answered.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef

from assessments.instrument_blocks import stream_from_definition
from assessments.models import (
    SCORED_KINDS,
    Instrument,
    InstrumentVersion,
    Item,
    ItemKind,
    Purpose,
    Response,
    Scale,
)
from cms.models import ProgrammePage

MAX_POINTS = 11  # 0-10 is the longest row of radio buttons people should have to read

# --- messages for authors (tests import these) ---------------------------------------------------

NO_ITEMS = "Add at least one question."
UNKNOWN_SETTING = "{where}: unknown setting “{name}”."
NOT_A_LIST = "“{name}” must be a list."
NOT_A_TABLE = "{where} must be a table of settings (name = value)."
SCALE_KEY_INVALID = (
    "Scale {number}: the key must be a short name of lower-case letters, numbers and hyphens "
    "(at most 60), e.g. agenda."
)
SCALE_LABEL_MISSING = (
    "Scale {number} ({key}): give it a label, e.g. confidence in setting an agenda."
)
DUPLICATE_SCALE_KEY = "Two scales have the key “{key}”: each scale needs its own."
SCALE_WITHOUT_RATING = "The scale “{key}” has no rating questions, so it cannot be scored."
ITEM_KEY_MISSING = "{item}: give it a key (a short name kept across versions)."
ITEM_KEY_INVALID = (
    "{item}: the key must be letters, numbers, hyphens or underscores (at most 64 characters)."
)
DUPLICATE_ITEM_KEY = "Two questions have the key “{key}”: each question needs its own."
UNKNOWN_KIND = "{item}: the kind must be one of {kinds}."
TEXT_MISSING = "{item}: write the question."
NOT_TEXT = "{item}: “{name}” must be text."
NOT_YES_NO = "{item}: “{name}” must be true or false."
UNKNOWN_SCALE = "{item}: there is no scale with the key “{scale}”."
NOT_SCORED_IN_SCALE = (
    "{item}: free-text and single-choice questions are not scored, so they cannot be in a scale."
)
NEVER_ASKED = "{item}: ask it before, after, or both."
GOALS_TWICE = "A questionnaire can ask for personal goals once: {item} asks for them again."
GOALS_NOT_BEFORE = (
    "{item}: goals are written in the before reflection, so a goals question must be asked "
    "before (and after, to rate them again)."
)
RETROSPECTIVE_NOT_IN_SCALE = (
    "{item}: a looking-back question must be in a scale, so it is compared with that scale's "
    "before score."
)
RETROSPECTIVE_ASKED_BEFORE = (
    "{item}: a looking-back question (“looking back, before the course...”) is asked after only."
)
SCALE_ITEM_NOT_BOTH = (
    "{item}: a rating question in a scale is asked before and after, so the two scores compare "
    "like with like."
)
REVERSE_NOT_RATING = "{item}: only rating questions can be reverse-scored."
REVERSE_NOT_IN_SCALE = (
    "{item}: only a question in a scale is scored, so only then can it be reversed."
)
POINTS_TWICE = "{item}: give either every point or a range (from, to), not both."
POINTS_NOT_USED = "{item}: only rating and looking-back questions have points."
TOO_FEW_POINTS = "{item}: a rating or looking-back question needs at least 2 points."
TOO_MANY_POINTS = f"{{item}}: at most {MAX_POINTS} points, so the row of answers stays readable."
POINTS_NOT_WHOLE = "{item}: every point must be a whole number (got “{value}”)."
POINTS_DUPLICATED = "{item}: the point {value} is there twice."
POINT_LABEL_NOT_TEXT = "{item}: a point's label must be text."
RANGE_INCOMPLETE = "{item}: a range of points needs both “from” and “to”, whole numbers."
RANGE_BACKWARDS = "{item}: the range must go from a lower number to a higher one."
SCALE_POINTS_DIFFER = (
    "{item}: its points are not the same as the first rating question of “{scale}” ({values}); "
    "every question of a scale uses the same points so their mean means something."
)
OPTIONS_NOT_USED = "{item}: only single-choice questions have options."
TOO_FEW_OPTIONS = "{item}: a single-choice question needs at least 2 options."
OPTION_INVALID = "{item}: every option needs a value (short, e.g. weekly) and a label."
OPTIONS_DUPLICATED = "{item}: the option value “{value}” is there twice."
PROGRAMME_TAKEN = "“{programme}” already has a questionnaire: “{instrument}”."

# Loading files
FILE_UNREADABLE = "{path}: not a valid TOML file ({error})."
FILE_SETTING_MISSING = "{path}: “{name}” is missing."
NO_SUCH_PROGRAMME = "{path}: skipped, there is no programme page with the slug “{programme}”."
PURPOSE_UNKNOWN = (
    "{path}: the purpose “{purpose}” is not one this site knows. Use one of: {choices}."
)
EDITED_IN_ADMIN = (
    "{path}: skipped, the questionnaire was changed in the admin since it was loaded "
    "(version {number}); use --force to replace it with the file."
)

ITEM_FIELDS = {
    "key",
    "kind",
    "text",
    "hint",
    "scale",
    "reverse_scored",
    "asked_before",
    "asked_after",
    "required",
    "points",
    "point_range",
    "options",
}
ITEM_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
SCALE_KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


class Outcome:
    UNCHANGED = "unchanged"
    UPDATED = "updated"  # the latest version rewritten in place: nobody has answered it
    NEW_VERSION = "new_version"


# --- checking a definition -----------------------------------------------------------------------


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _points_from_range(where, point_range, problems):
    if not isinstance(point_range, dict):
        problems.append(RANGE_INCOMPLETE.format(item=where))
        return []
    unknown = set(point_range) - {"from", "to", "lowest", "highest"}
    for name in sorted(unknown):
        problems.append(UNKNOWN_SETTING.format(where=where, name=f"points.{name}"))
    start, end = point_range.get("from"), point_range.get("to")
    if not (_whole(start) and _whole(end)):
        problems.append(RANGE_INCOMPLETE.format(item=where))
        return []
    if start >= end:
        problems.append(RANGE_BACKWARDS.format(item=where))
        return []
    if end - start + 1 > MAX_POINTS:
        problems.append(TOO_MANY_POINTS.format(item=where))
        return []
    lowest, highest = point_range.get("lowest") or "", point_range.get("highest") or ""
    if not isinstance(lowest, str) or not isinstance(highest, str):
        problems.append(POINT_LABEL_NOT_TEXT.format(item=where))
        return []
    points = [{"value": value, "label": ""} for value in range(start, end + 1)]
    points[0]["label"], points[-1]["label"] = lowest.strip(), highest.strip()
    return points


def _points(where, raw, problems):
    points_given, range_given = raw.get("points"), raw.get("point_range")
    if isinstance(points_given, dict):  # files write a range as points = { from = 0, ... }
        if range_given:
            problems.append(POINTS_TWICE.format(item=where))
            return []
        return _points_from_range(where, points_given, problems)
    if points_given and range_given:
        problems.append(POINTS_TWICE.format(item=where))
        return []
    if range_given:
        return _points_from_range(where, range_given, problems)
    points_given = points_given or []
    if not isinstance(points_given, list):
        problems.append(NOT_A_LIST.format(name="points"))
        return []
    points, seen = [], set()
    for point in points_given:
        if not isinstance(point, dict):
            problems.append(NOT_A_TABLE.format(where=f"{where}: a point"))
            return []
        value, label = point.get("value"), point.get("label") or ""
        if not _whole(value):
            problems.append(POINTS_NOT_WHOLE.format(item=where, value=value))
            return []
        if value in seen:
            problems.append(POINTS_DUPLICATED.format(item=where, value=value))
            return []
        if not isinstance(label, str):
            problems.append(POINT_LABEL_NOT_TEXT.format(item=where))
            return []
        seen.add(value)
        points.append({"value": value, "label": label.strip()})
    if len(points) > MAX_POINTS:
        problems.append(TOO_MANY_POINTS.format(item=where))
        return []
    return points


def _options(where, raw, problems):
    options_given = raw.get("options") or []
    if not isinstance(options_given, list):
        problems.append(NOT_A_LIST.format(name="options"))
        return []
    options, seen = [], set()
    for option in options_given:
        value = _text(option.get("value")) if isinstance(option, dict) else None
        label = _text(option.get("label")) if isinstance(option, dict) else None
        if not (isinstance(value, str) and value and isinstance(label, str) and label):
            problems.append(OPTION_INVALID.format(item=where))
            return []
        if value in seen:
            problems.append(OPTIONS_DUPLICATED.format(item=where, value=value))
            return []
        seen.add(value)
        options.append({"value": value, "label": label})
    return options


def _item_name(number, raw):
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    text = " ".join(text.split())
    if not text:
        return f"Question {number}"
    short = text if len(text) <= 50 else text[:47].rstrip() + "..."
    return f"Question {number} (“{short}”)"


def _item_clean(number, raw, scale_keys, problems):
    where = _item_name(number, raw)
    for name in sorted(set(raw) - ITEM_FIELDS):
        problems.append(UNKNOWN_SETTING.format(where=where, name=name))
    key = _text(raw.get("key"))
    if key in (None, ""):
        problems.append(ITEM_KEY_MISSING.format(item=where))
    elif not (isinstance(key, str) and ITEM_KEY.fullmatch(key)):
        problems.append(ITEM_KEY_INVALID.format(item=where))
    kind = raw.get("kind")
    if kind not in ItemKind.values:
        kinds = ", ".join(f"“{value}”" for value in ItemKind.values)
        problems.append(UNKNOWN_KIND.format(item=where, kinds=kinds))
        return None
    text, hint = _text(raw.get("text")), _text(raw.get("hint")) or ""
    if not isinstance(text, str) or not text:
        problems.append(TEXT_MISSING.format(item=where))
    if not isinstance(hint, str):
        problems.append(NOT_TEXT.format(item=where, name="hint"))
    scale = _text(raw.get("scale")) or None
    if scale is not None and scale not in scale_keys:
        problems.append(UNKNOWN_SCALE.format(item=where, scale=scale))
    retrospective = kind == ItemKind.RETROSPECTIVE
    flags = {}
    for name, default in [
        ("reverse_scored", False),
        ("asked_before", not retrospective),
        ("asked_after", True),
        ("required", kind != ItemKind.GOALS),
    ]:
        value = raw.get(name)
        if value is None:
            value = default
        if not isinstance(value, bool):
            problems.append(NOT_YES_NO.format(item=where, name=name))
            value = default
        flags[name] = value
    if not (flags["asked_before"] or flags["asked_after"]):
        problems.append(NEVER_ASKED.format(item=where))
    elif kind == ItemKind.GOALS and not flags["asked_before"]:
        problems.append(GOALS_NOT_BEFORE.format(item=where))
    scored = kind in SCORED_KINDS
    if scale is not None and not scored:
        problems.append(NOT_SCORED_IN_SCALE.format(item=where))
    if retrospective:
        if scale is None:
            problems.append(RETROSPECTIVE_NOT_IN_SCALE.format(item=where))
        if flags["asked_before"]:
            problems.append(RETROSPECTIVE_ASKED_BEFORE.format(item=where))
    both = flags["asked_before"] and flags["asked_after"]
    if kind == ItemKind.RATING and scale is not None and not both:
        problems.append(SCALE_ITEM_NOT_BOTH.format(item=where))
    if flags["reverse_scored"]:
        if kind != ItemKind.RATING:
            problems.append(REVERSE_NOT_RATING.format(item=where))
        elif scale is None:
            problems.append(REVERSE_NOT_IN_SCALE.format(item=where))
    points, options = [], []
    if scored:
        before = len(problems)
        points = _points(where, raw, problems)
        if len(points) < 2 and len(problems) == before:
            problems.append(TOO_FEW_POINTS.format(item=where))
    elif raw.get("points") or raw.get("point_range"):
        problems.append(POINTS_NOT_USED.format(item=where))
    if kind == ItemKind.CHOICE:
        before = len(problems)
        options = _options(where, raw, problems)
        if len(options) < 2 and len(problems) == before:
            problems.append(TOO_FEW_OPTIONS.format(item=where))
    elif raw.get("options"):
        problems.append(OPTIONS_NOT_USED.format(item=where))
    return {
        "key": key,
        "kind": str(kind),
        "text": text,
        "hint": hint,
        "scale": scale,
        "reverse_scored": flags["reverse_scored"],
        "asked_before": flags["asked_before"],
        "asked_after": flags["asked_after"],
        "required": flags["required"],
        "points": points,
        "options": options,
        "_where": where,
    }


def definition_clean(raw: dict) -> dict:
    """The definition checked and tidied, or ValidationError listing every problem in words
    an author can act on. Items of a scale are put together, at the place of its first item,
    and scales in the order their items come (that is how the admin shows them)."""
    problems = []
    if not isinstance(raw, dict):
        raise ValidationError([NO_ITEMS])
    for name in sorted(set(raw) - {"scales", "items"}):
        problems.append(UNKNOWN_SETTING.format(where="The questionnaire", name=name))
    raw_scales, raw_items = raw.get("scales") or [], raw.get("items") or []
    for name, value in [("scales", raw_scales), ("items", raw_items)]:
        if not isinstance(value, list):
            raise ValidationError([NOT_A_LIST.format(name=name)])

    labels = {}
    for number, scale in enumerate(raw_scales, start=1):
        if not isinstance(scale, dict):
            problems.append(NOT_A_TABLE.format(where=f"Scale {number}"))
            continue
        for name in sorted(set(scale) - {"key", "label"}):
            problems.append(UNKNOWN_SETTING.format(where=f"Scale {number}", name=name))
        key, label = _text(scale.get("key")), _text(scale.get("label"))
        if not (isinstance(key, str) and len(key) <= 60 and SCALE_KEY.fullmatch(key)):
            problems.append(SCALE_KEY_INVALID.format(number=number))
            continue
        if key in labels:
            problems.append(DUPLICATE_SCALE_KEY.format(key=key))
            continue
        if not isinstance(label, str) or not label:
            problems.append(SCALE_LABEL_MISSING.format(number=number, key=key))
        labels[key] = label if isinstance(label, str) else ""

    if not raw_items:
        problems.append(NO_ITEMS)
    items, keys = [], set()
    for number, raw_item in enumerate(raw_items, start=1):
        if not isinstance(raw_item, dict):
            problems.append(NOT_A_TABLE.format(where=f"Question {number}"))
            continue
        item = _item_clean(number, raw_item, labels, problems)
        if item is None:
            continue
        if item["kind"] == ItemKind.GOALS and any(
            other["kind"] == ItemKind.GOALS for other in items
        ):
            problems.append(GOALS_TWICE.format(item=item["_where"]))
        if isinstance(item["key"], str) and item["key"]:
            if item["key"] in keys:
                problems.append(DUPLICATE_ITEM_KEY.format(key=item["key"]))
            keys.add(item["key"])
        items.append(item)

    # One set of points per scale: the mean of a 0-10 and a 1-5 answer means nothing.
    scale_points = {}
    for item in items:
        if item["scale"] in labels and item["kind"] in SCORED_KINDS and item["points"]:
            values = [point["value"] for point in item["points"]]
            first = scale_points.setdefault(item["scale"], values)
            if sorted(values) != sorted(first):
                problems.append(
                    SCALE_POINTS_DIFFER.format(
                        item=item["_where"],
                        scale=item["scale"],
                        values=f"{min(first)} to {max(first)}",
                    )
                )
    rated = {item["scale"] for item in items if item["kind"] == ItemKind.RATING}
    for key in labels:
        if key not in rated:
            problems.append(SCALE_WITHOUT_RATING.format(key=key))
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))

    ordered, placed = [], set()
    for item in items:
        scale = item["scale"]
        if scale is None:
            ordered.append(item)
        elif scale not in placed:
            placed.add(scale)
            ordered += [other for other in items if other["scale"] == scale]
    for item in ordered:
        del item["_where"]
    scales_in_order = list(dict.fromkeys(item["scale"] for item in ordered if item["scale"]))
    return {
        "scales": [{"key": key, "label": labels[key]} for key in scales_in_order],
        "items": ordered,
    }


# --- selectors -------------------------------------------------------------------------------------


def current_version(instrument) -> InstrumentVersion | None:
    """The version new administrations ask: the latest."""
    return InstrumentVersion.objects.filter(instrument=instrument).order_by("-number").first()


def version_for_programme(
    programme_id, purpose: str = Purpose.REFLECTION
) -> InstrumentVersion | None:
    """The latest version of the programme's questionnaire for `purpose` (its before-and-after
    reflection unless told otherwise), or None if it has none."""
    if programme_id is None:
        return None
    return (
        InstrumentVersion.objects.filter(
            instrument__programme_id=programme_id, instrument__purpose=purpose
        )
        .select_related("instrument")
        .order_by("-number")
        .first()
    )


def version_is_frozen(version) -> bool:
    """Anyone has a response to it, draft or submitted: its items must never change."""
    return Response.objects.filter(administration__version=version).exists()


def instrument_versions(instrument) -> list[InstrumentVersion]:
    """Its versions, newest first, each with `response_count` (drafts too): one query."""
    if instrument is None or instrument.pk is None:
        return []
    return list(
        InstrumentVersion.objects.filter(instrument=instrument)
        .annotate(response_count=Count("administrations__responses"))
        .select_related("created_by")
        .order_by("-number")
    )


# --- saving ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentSaved:
    instrument: Instrument
    version: InstrumentVersion
    outcome: str  # Outcome.UNCHANGED, UPDATED or NEW_VERSION
    details_changed: bool = False  # title, programme or introduction
    previous: InstrumentVersion | None = None  # the version before a new one

    @property
    def message(self) -> str:
        """What happened, for the person who saved it."""
        number = self.version.number
        if self.outcome == Outcome.NEW_VERSION:
            if self.previous is None:
                return f"Saved as version {number}."
            return (
                f"Saved as version {number}. Version {self.previous.number} has answers, so it "
                "stays as it was."
            )
        if self.outcome == Outcome.UPDATED:
            return f"Version {number} updated: nobody has answered it yet."
        if self.details_changed:
            return f"Title and introduction saved. The questions are unchanged (version {number})."
        return "No changes."


def _version_rows_create(version, definition):
    scales = Scale.objects.bulk_create(
        Scale(version=version, key=scale["key"], label=scale["label"], position=position)
        for position, scale in enumerate(definition["scales"], start=1)
    )
    by_key = {scale.key: scale for scale in scales}
    Item.objects.bulk_create(
        Item(
            version=version,
            key=item["key"],
            position=position,
            kind=item["kind"],
            text=item["text"],
            hint=item["hint"],
            scale=by_key.get(item["scale"]),
            reverse_scored=item["reverse_scored"],
            asked_before=item["asked_before"],
            asked_after=item["asked_after"],
            required=item["required"],
            points=item["points"],
            options=item["options"],
        )
        for position, item in enumerate(definition["items"], start=1)
    )


@transaction.atomic
def instrument_save(
    *,
    slug,
    title,
    programme=None,
    introduction="",
    definition: dict,
    saved_by=None,
    purpose: str | None = None,
) -> InstrumentSaved:
    """Save a questionnaire: its details, and its questions as a version.

    Same questions as the latest version: no new version. Different, and nobody has a response
    to the latest version: that version is rewritten in place. Different, and somebody has: a new
    version, the earlier one left exactly as it was. The instrument's row is locked, so two saves
    at once cannot both make version n+1.
    """
    tidy = definition_clean(definition)
    instrument = Instrument.objects.select_for_update().filter(slug=slug).first()
    created = instrument is None
    if created:
        instrument = Instrument(slug=slug)
    # None keeps the purpose it has (a new questionnaire: a before-and-after reflection).
    purpose = purpose or instrument.purpose or Purpose.REFLECTION
    programme_id = programme.pk if programme is not None else None
    details_changed = created or (
        instrument.title,
        instrument.programme_id,
        instrument.introduction,
        instrument.purpose,
    ) != (
        title,
        programme_id,
        introduction,
        purpose,
    )
    stream = stream_from_definition(tidy)
    stream_changed = created or instrument.definition.get_prep_value() != stream
    if details_changed or stream_changed:
        instrument.title, instrument.programme, instrument.introduction = (
            title,
            programme,
            introduction,
        )
        instrument.purpose = purpose
        instrument.definition = stream
        if programme is not None:
            other = (
                Instrument.objects.filter(programme=programme, purpose=instrument.purpose)
                .exclude(pk=instrument.pk)
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {"programme": PROGRAMME_TAKEN.format(programme=programme, instrument=other)}
                )
        instrument.full_clean()
        instrument.save()

    latest = None if created else current_version(instrument)
    if latest is not None and latest.definition == tidy:
        return InstrumentSaved(
            instrument, latest, Outcome.UNCHANGED, details_changed=details_changed
        )
    if latest is not None and not version_is_frozen(latest):
        latest.items.all().delete()
        latest.scales.all().delete()
        latest.definition = tidy
        latest.created_by = saved_by
        latest.save(update_fields=["definition", "created_by"])
        _version_rows_create(latest, tidy)
        return InstrumentSaved(instrument, latest, Outcome.UPDATED, details_changed=details_changed)
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        number=latest.number + 1 if latest else 1,
        definition=tidy,
        created_by=saved_by,
    )
    _version_rows_create(version, tidy)
    return InstrumentSaved(
        instrument, version, Outcome.NEW_VERSION, details_changed=details_changed, previous=latest
    )


# --- loading content/instruments/ ----------------------------------------------------------------


FILE_FIELDS = {"slug", "title", "programme", "purpose", "introduction", "scales", "items"}


@dataclass
class InstrumentsLoaded:
    created: list = field(default_factory=list)  # (path, message)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (path, why)

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def lines(self):
        for label, entries in [
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
        ]:
            for path, message in entries:
                yield f"  {label}: {path}: {message}"
        for _path, message in self.skipped:
            yield f"  {message}"

    @property
    def summary(self):
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


class InstrumentFileError(Exception):
    """Problems in the files; nothing was loaded. `problems` is the list of messages."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _read_file(path, label, problems):
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(FILE_UNREADABLE.format(path=label, error=error))
        return None
    before = len(problems)
    for name in sorted(set(data) - FILE_FIELDS):
        problems.append(UNKNOWN_SETTING.format(where=label, name=name))
    for name in ["title", "items"]:
        if not data.get(name):
            problems.append(FILE_SETTING_MISSING.format(path=label, name=name))
    for name in ["slug", "title", "programme", "purpose", "introduction"]:
        if name in data and not isinstance(data[name], str):
            problems.append(NOT_TEXT.format(item=label, name=name))
    purpose = data.get("purpose", Purpose.REFLECTION)
    if isinstance(purpose, str) and purpose not in Purpose.values:
        problems.append(
            PURPOSE_UNKNOWN.format(
                path=label, purpose=purpose, choices=", ".join(sorted(Purpose.values))
            )
        )
    if len(problems) > before:
        return None
    try:
        definition = definition_clean({"scales": data.get("scales", []), "items": data["items"]})
    except ValidationError as error:
        problems += [f"{label}: {message}" for message in error.messages]
        return None
    return {
        "slug": (data.get("slug") or path.stem).strip(),
        "title": data["title"].strip(),
        "programme": (data.get("programme") or "").strip() or None,
        "purpose": purpose,
        "introduction": (data.get("introduction") or "").strip(),
        "definition": definition,
    }


def instruments_directory() -> Path:
    """content/instruments, or settings.INSTRUMENTS_DIR when a test or a site sets it."""
    default = Path(settings.BASE_DIR) / "content" / "instruments"
    return Path(getattr(settings, "INSTRUMENTS_DIR", default))


def instruments_load(
    *, directory, stdout=None, programme_slugs=None, force: bool = False
) -> InstrumentsLoaded:
    """Save every questionnaire in `directory` (*.toml) through instrument_save, in one
    transaction. Any bad file: InstrumentFileError and nothing is saved. A file whose programme
    page does not exist is skipped with a message. Running it twice changes nothing the second
    time. A questionnaire changed in the admin since it was loaded is kept unless `force`.
    `programme_slugs` limits the load to those programmes' questionnaires (load_curricula loads
    the ones of the programmes it loaded)."""

    directory = Path(directory)
    loaded = InstrumentsLoaded()
    paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    problems, files = [], []
    for path in paths:
        label = f"instruments/{path.name}"
        data = _read_file(path, label, problems)
        if data is not None:
            files.append((label, data))
    if problems:
        raise InstrumentFileError(problems)

    if programme_slugs is not None:
        files = [(label, data) for label, data in files if data["programme"] in programme_slugs]
    pages = {
        page.slug: page
        for page in ProgrammePage.objects.filter(
            slug__in={data["programme"] for _label, data in files if data["programme"]}
        ).order_by("-path")  # the first by path wins, should two share a slug
    }
    with transaction.atomic():
        for label, data in files:
            programme = pages.get(data["programme"]) if data["programme"] else None
            if data["programme"] and programme is None:
                loaded.skipped.append(
                    (label, NO_SUCH_PROGRAMME.format(path=label, programme=data["programme"]))
                )
                continue
            existing = Instrument.objects.filter(slug=data["slug"]).first()
            latest = current_version(existing) if existing else None
            if (
                latest is not None
                and not force
                and latest.created_by_id is not None
                and latest.definition != data["definition"]
            ):
                loaded.skipped.append(
                    (label, EDITED_IN_ADMIN.format(path=label, number=latest.number))
                )
                continue
            try:
                saved = instrument_save(
                    slug=data["slug"],
                    title=data["title"],
                    programme=programme,
                    introduction=data["introduction"],
                    definition=data["definition"],
                    purpose=data["purpose"],
                )
            except ValidationError as error:
                raise InstrumentFileError(
                    [f"{label}: {message}" for message in error.messages]
                ) from error
            entry = (label, saved.message)
            if existing is None:
                loaded.created.append(entry)
            elif saved.outcome == Outcome.UNCHANGED and not saved.details_changed:
                loaded.unchanged.append(entry)
            else:
                loaded.updated.append(entry)
    if stdout is not None:
        for line in loaded.lines():
            stdout.write(line)
    return loaded


def instruments_with_versions():
    """The admin's list: each instrument with its latest version number and how many responses
    it has had (all versions), in one query."""
    return Instrument.objects.select_related("programme").annotate(
        latest_version=Max("versions__number"),
        answered=Exists(
            Response.objects.filter(administration__version__instrument=OuterRef("pk"))
        ),
    )
