"""Reflection questionnaires: checking definitions, versions, loading content/instruments, and
the Wagtail admin."""

import copy
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from wagtail.test.utils.form_data import nested_form_data

from assessments.instrument_blocks import ITEM_PREVIEW, ItemBlock, definition_from_stream
from assessments.models import (
    Answer,
    Instrument,
    InstrumentVersion,
    Item,
    ItemKind,
    Phase,
    Purpose,
    Response,
    Scale,
    ScaleScore,
)
from assessments.reflections import instruments
from assessments.reflections.instruments import (
    Outcome,
    current_version,
    definition_clean,
    instrument_save,
    instruments_load,
    version_for_programme,
    version_is_frozen,
)
from assessments.wagtail_hooks import QUESTIONS_NEED_ATTENTION, SLUG_KEPT
from tests.assessments.reflection_builders import administration
from tests.factories import UserFactory

CONTENT = Path(settings.BASE_DIR) / "content" / "instruments"
RANGE = {"from": 0, "to": 10, "lowest": "Not at all confident", "highest": "Completely confident"}


def rating(key, scale="agenda", **extra):
    return (
        {"key": key, "kind": "rating", "text": f"Question {key}?", "scale": scale}
        | {"points": dict(RANGE)}
        | extra
    )


def definition(*extra_items, scales=None):
    return {
        "scales": scales if scales is not None else [{"key": "agenda", "label": "agenda"}],
        "items": [
            rating("a1"),
            rating("a2", reverse_scored=True),
            {
                "key": "a-retro",
                "kind": "retrospective",
                "text": "Looking back?",
                "scale": "agenda",
                "points": dict(RANGE),
            },
            {
                "key": "hope",
                "kind": "free_text",
                "text": "What do you hope for?",
                "asked_after": False,
            },
            {
                "key": "heard",
                "kind": "choice",
                "text": "How did you hear of it?",
                "options": [{"value": "gp", "label": "GP"}, {"value": "friend", "label": "Friend"}],
            },
            *extra_items,
        ],
    }


def problems_of(raw):
    with pytest.raises(ValidationError) as caught:
        definition_clean(raw)
    return caught.value.messages


# --- checking a definition --------------------------------------------------------------------


def test_a_good_definition_is_tidied():
    tidy = definition_clean(definition())

    assert tidy["scales"] == [{"key": "agenda", "label": "agenda"}]
    a1, a2, retro, hope, heard = tidy["items"]
    assert [point["value"] for point in a1["points"]] == list(range(11))
    assert a1["points"][0]["label"] == "Not at all confident"
    assert a1["points"][5]["label"] == ""
    assert (a1["asked_before"], a1["asked_after"], a1["required"]) == (True, True, True)
    assert a2["reverse_scored"] is True
    assert (retro["asked_before"], retro["asked_after"]) == (False, True)
    assert (hope["asked_before"], hope["asked_after"], hope["scale"]) == (True, False, None)
    assert heard["options"][0] == {"value": "gp", "label": "GP"}
    assert definition_clean(tidy) == tidy


def test_items_of_a_scale_are_put_together_at_its_first_item():
    raw = definition(scales=[{"key": "agenda", "label": "a"}, {"key": "goals", "label": "g"}])
    raw["items"].insert(1, rating("g1", scale="goals"))
    raw["items"].append(rating("a3"))

    tidy = definition_clean(raw)

    assert [item["key"] for item in tidy["items"]] == [
        "a1", "a2", "a-retro", "a3", "g1", "hope", "heard",
    ]  # fmt: skip
    assert [scale["key"] for scale in tidy["scales"]] == ["agenda", "goals"]


def with_item(**changes):
    raw = definition()
    raw["items"][0] |= changes
    return raw


WHERE = "Question 1 (“Question a1?”)"

REFUSALS = [
    (
        with_item(scale="nope"),
        instruments.UNKNOWN_SCALE.format(item=WHERE, scale="nope"),
    ),
    (with_item(key="a2"), instruments.DUPLICATE_ITEM_KEY.format(key="a2")),
    (with_item(key=""), instruments.ITEM_KEY_MISSING.format(item=WHERE)),
    (with_item(key="has space"), instruments.ITEM_KEY_INVALID.format(item=WHERE)),
    (with_item(kind="slider"), None),
    (with_item(text="  "), instruments.TEXT_MISSING.format(item="Question 1")),
    (
        with_item(points=[{"value": 1, "label": "Only"}]),
        instruments.TOO_FEW_POINTS.format(item=WHERE),
    ),
    (
        with_item(points=[{"value": 1.5, "label": ""}, {"value": 2, "label": ""}]),
        instruments.POINTS_NOT_WHOLE.format(item=WHERE, value=1.5),
    ),
    (
        with_item(points=[{"value": 1, "label": ""}, {"value": 1, "label": ""}]),
        instruments.POINTS_DUPLICATED.format(item=WHERE, value=1),
    ),
    (
        with_item(points={"from": 0, "to": 20}),
        instruments.TOO_MANY_POINTS.format(item=WHERE),
    ),
    (with_item(points={"from": 5, "to": 1}), instruments.RANGE_BACKWARDS.format(item=WHERE)),
    (with_item(points={"from": 5}), instruments.RANGE_INCOMPLETE.format(item=WHERE)),
    (
        with_item(points=[{"value": 0, "label": ""}, {"value": 1, "label": ""}], point_range=RANGE),
        instruments.POINTS_TWICE.format(item=WHERE),
    ),
    (
        with_item(points={"from": 1, "to": 5}),
        instruments.SCALE_POINTS_DIFFER.format(
            item="Question 2 (“Question a2?”)", scale="agenda", values="1 to 5"
        ),
    ),
    (with_item(asked_before=False), instruments.SCALE_ITEM_NOT_BOTH.format(item=WHERE)),
    (with_item(asked_before=False, asked_after=False), instruments.NEVER_ASKED.format(item=WHERE)),
    (with_item(required="yes"), instruments.NOT_YES_NO.format(item=WHERE, name="required")),
    (with_item(colour="red"), instruments.UNKNOWN_SETTING.format(where=WHERE, name="colour")),
]


def test_each_refusal_says_what_to_fix():
    for raw, message in REFUSALS:
        problems = problems_of(raw)
        if message is None:  # an unknown kind lists the kinds
            assert problems[0].startswith(f"{WHERE}: the kind must be one of “rating”")
        else:
            assert message in problems, (message, problems)


def test_refusals_about_kinds_and_scales():
    raw = definition()
    retro, hope, heard = raw["items"][2], raw["items"][3], raw["items"][4]
    retro_where = "Question 3 (“Looking back?”)"
    hope_where = "Question 4 (“What do you hope for?”)"
    heard_where = "Question 5 (“How did you hear of it?”)"

    assert instruments.RETROSPECTIVE_ASKED_BEFORE.format(item=retro_where) in problems_of(
        copy.deepcopy(raw) | {"items": [*raw["items"][:2], retro | {"asked_before": True}]}
    )
    assert instruments.RETROSPECTIVE_NOT_IN_SCALE.format(item=retro_where) in problems_of(
        copy.deepcopy(raw) | {"items": [*raw["items"][:2], retro | {"scale": None}]}
    )
    assert instruments.REVERSE_NOT_RATING.format(item=hope_where) in problems_of(
        copy.deepcopy(raw) | {"items": [*raw["items"][:3], hope | {"reverse_scored": True}]}
    )
    loose = rating("loose", scale=None, reverse_scored=True)
    assert instruments.REVERSE_NOT_IN_SCALE.format(
        item="Question 6 (“Question loose?”)"
    ) in problems_of(copy.deepcopy(raw) | {"items": [*raw["items"], loose]})
    assert instruments.NOT_SCORED_IN_SCALE.format(item=hope_where) in problems_of(
        copy.deepcopy(raw) | {"items": [*raw["items"][:3], hope | {"scale": "agenda"}]}
    )
    assert instruments.POINTS_NOT_USED.format(item=hope_where) in problems_of(
        copy.deepcopy(raw) | {"items": [*raw["items"][:3], hope | {"points": RANGE}]}
    )
    assert instruments.TOO_FEW_OPTIONS.format(item=heard_where) in problems_of(
        copy.deepcopy(raw)
        | {"items": [*raw["items"][:4], heard | {"options": heard["options"][:1]}]}
    )
    assert instruments.OPTIONS_DUPLICATED.format(item=heard_where, value="gp") in problems_of(
        copy.deepcopy(raw)
        | {"items": [*raw["items"][:4], heard | {"options": [heard["options"][0]] * 2}]}
    )
    assert instruments.OPTION_INVALID.format(item=heard_where) in problems_of(
        copy.deepcopy(raw)
        | {"items": [*raw["items"][:4], heard | {"options": [{"value": "x"}, {"value": "y"}]}]}
    )
    assert instruments.OPTIONS_NOT_USED.format(item=WHERE) in problems_of(
        with_item(options=heard["options"])
    )


def test_refusals_about_the_whole_questionnaire():
    assert problems_of({"scales": [], "items": []}) == [instruments.NO_ITEMS]
    two = [{"key": "agenda", "label": "a"}, {"key": "agenda", "label": "b"}]
    assert instruments.DUPLICATE_SCALE_KEY.format(key="agenda") in problems_of(
        definition(scales=two)
    )
    empty = [{"key": "agenda", "label": "a"}, {"key": "goals", "label": "g"}]
    assert instruments.SCALE_WITHOUT_RATING.format(key="goals") in problems_of(
        definition(scales=empty)
    )
    assert instruments.SCALE_KEY_INVALID.format(number=1) in problems_of(
        definition(scales=[{"key": "Agenda Setting", "label": "a"}])
    )
    assert instruments.SCALE_LABEL_MISSING.format(number=1, key="agenda") in problems_of(
        definition(scales=[{"key": "agenda", "label": ""}])
    )
    assert instruments.UNKNOWN_SETTING.format(
        where="The questionnaire", name="pages"
    ) in problems_of(definition() | {"pages": 2})


# --- versions ---------------------------------------------------------------------------------


def answered(version, person=None):
    """A submitted before response to `version` with answers and a scale score."""
    person = person or UserFactory()
    before = administration(version, Phase.BEFORE, UserFactory())
    response = Response.objects.create(
        administration=before, respondent=person, status=Response.Status.SUBMITTED
    )
    for item in version.items.filter(kind=ItemKind.RATING):
        Answer.objects.create(response=response, item=item, number=7)
    ScaleScore.objects.create(
        response=response,
        administration=before,
        scale_key="agenda",
        scale_label="agenda",
        score=5.5,
    )
    return response


def snapshot(version):
    return (
        list(Item.objects.filter(version=version).order_by("pk").values()),
        list(Scale.objects.filter(version=version).order_by("pk").values()),
        list(Answer.objects.filter(item__version=version).order_by("pk").values()),
        list(ScaleScore.objects.filter(administration__version=version).order_by("pk").values()),
        InstrumentVersion.objects.filter(pk=version.pk).values().get(),
    )


def test_the_first_save_makes_version_1_with_its_rows(db):
    saved = instrument_save(slug="skills", title="Skills", definition=definition())

    assert (saved.outcome, saved.version.number) == (Outcome.NEW_VERSION, 1)
    assert saved.message == "Saved as version 1."
    version = saved.version
    assert version.definition == definition_clean(definition())
    assert list(version.scales.values_list("key", "position")) == [("agenda", 1)]
    items = list(version.items.order_by("position"))
    assert [item.key for item in items] == ["a1", "a2", "a-retro", "hope", "heard"]
    assert items[1].reverse_scored and items[0].scale.key == "agenda"
    assert (items[0].lowest, items[0].highest) == (0, 10)
    assert items[3].scale is None and not items[3].asked_in(Phase.AFTER)
    # The admin shows what was saved.
    instrument = Instrument.objects.get(slug="skills")
    assert definition_clean(definition_from_stream(instrument.definition)) == version.definition


def test_saving_the_same_questions_changes_nothing(db):
    instrument_save(slug="skills", title="Skills", definition=definition())

    again = instrument_save(slug="skills", title="Skills", definition=definition())

    assert (again.outcome, again.version.number, again.message) == (
        Outcome.UNCHANGED,
        1,
        "No changes.",
    )
    assert InstrumentVersion.objects.count() == 1


def test_a_version_nobody_answered_is_rewritten_in_place(db):
    first = instrument_save(slug="skills", title="Skills", definition=definition()).version
    administration(first, Phase.BEFORE, UserFactory())  # asked, but nobody has started it

    changed = definition()
    changed["items"][0]["text"] = "A clearer question?"
    saved = instrument_save(slug="skills", title="Skills", definition=changed)

    assert (saved.outcome, saved.version.pk, saved.version.number) == (
        Outcome.UPDATED,
        first.pk,
        1,
    )
    assert saved.message == "Version 1 updated: nobody has answered it yet."
    assert first.items.get(key="a1").text == "A clearer question?"
    assert InstrumentVersion.objects.count() == 1


def test_a_draft_freezes_a_version_too(db):
    version = instrument_save(slug="skills", title="Skills", definition=definition()).version
    before = administration(version, Phase.BEFORE, UserFactory())
    Response.objects.create(administration=before, respondent=UserFactory())

    assert version_is_frozen(version)


def test_changing_an_answered_questionnaire_makes_a_new_version_and_keeps_the_old(db):
    first = instrument_save(slug="skills", title="Skills", definition=definition()).version
    response = answered(first)
    kept = snapshot(first)
    assert version_is_frozen(first)

    changed = definition()
    changed["items"][1]["reverse_scored"] = False
    changed["items"][0]["points"] = {"from": 0, "to": 10, "lowest": "None", "highest": "All"}
    saved = instrument_save(slug="skills", title="Skills", definition=changed)

    assert (saved.outcome, saved.version.number) == (Outcome.NEW_VERSION, 2)
    assert saved.message == ("Saved as version 2. Version 1 has answers, so it stays as it was.")
    assert snapshot(first) == kept
    assert response.answers.count() == 2
    assert response.scores.get().score == 5.5
    assert {item.key for item in saved.version.items.all()} == {
        item.key for item in first.items.all()
    }
    assert not saved.version.items.get(key="a2").reverse_scored
    assert first.items.get(key="a2").reverse_scored
    assert current_version(first.instrument) == saved.version

    # Saving again with the same questions makes nothing more.
    assert instrument_save(slug="skills", title="Skills", definition=changed).outcome == (
        Outcome.UNCHANGED
    )


def test_details_alone_make_no_version(db):
    instrument_save(slug="skills", title="Skills", definition=definition())

    saved = instrument_save(
        slug="skills", title="Skills for partnership", introduction="Why", definition=definition()
    )

    assert saved.outcome == Outcome.UNCHANGED
    assert saved.message == "Title and introduction saved. The questions are unchanged (version 1)."
    assert Instrument.objects.get().title == "Skills for partnership"


def test_a_bad_definition_saves_nothing(db):
    with pytest.raises(ValidationError):
        instrument_save(slug="skills", title="Skills", definition={"scales": [], "items": []})

    assert not Instrument.objects.exists()


def test_one_questionnaire_per_programme(programmes):
    patient = programmes["patient"]
    instrument_save(slug="one", title="One", programme=patient, definition=definition())

    with pytest.raises(ValidationError) as caught:
        instrument_save(slug="two", title="Two", programme=patient, definition=definition())

    assert caught.value.message_dict["programme"] == [
        instruments.PROGRAMME_TAKEN.format(programme=patient, instrument="One")
    ]


def test_the_version_for_a_programme_is_its_latest(programmes):
    patient = programmes["patient"]
    assert version_for_programme(patient.pk) is None
    first = instrument_save(
        slug="skills", title="Skills", programme=patient, definition=definition()
    ).version
    answered(first)
    changed = definition()
    changed["items"][0]["text"] = "Changed?"
    second = instrument_save(
        slug="skills", title="Skills", programme=patient, definition=changed
    ).version

    assert version_for_programme(patient.pk) == second
    assert version_for_programme(programmes["professional"].pk) is None


# --- loading content/instruments --------------------------------------------------------------


def test_the_seed_questionnaires_load_once_and_have_the_scales_the_issue_names(programmes):
    out = StringIO()
    call_command("load_instruments", stdout=out)

    assert "Questionnaires loaded: 6 created, 0 updated, 0 unchanged, 0 skipped" in out.getvalue()
    patients = Instrument.objects.get(programme=programmes["patient"], purpose=Purpose.REFLECTION)
    professionals = Instrument.objects.get(
        programme=programmes["professional"], purpose=Purpose.REFLECTION
    )
    patient_version = current_version(patients)
    assert set(patient_version.scales.values_list("key", flat=True)) == {
        "taking-part",
        "agenda",
        "goals",
        "problems",
    }
    for scale in patient_version.scales.all():
        kinds = [item.kind for item in scale.items.all()]
        assert kinds.count(ItemKind.RATING) == 2
        assert kinds.count(ItemKind.RETROSPECTIVE) == 1
    patient_items = patient_version.items.all()
    assert sum(item.reverse_scored for item in patient_items) == 1
    free_text = [item for item in patient_items if item.kind == ItemKind.FREE_TEXT]
    assert [(item.asked_before, item.asked_after) for item in free_text] == [
        (True, False),
        (False, True),
    ]
    professional_scales = set(current_version(professionals).scales.values_list("key", flat=True))
    for theme in ["agenda", "goals", "follow-up", "enabling"]:
        assert {f"{theme}-confidence", f"{theme}-practice"} <= professional_scales
    solve_for = current_version(professionals).items.get(key="enabling-practice-solve-for")
    assert solve_for.reverse_scored and (solve_for.lowest, solve_for.highest) == (1, 5)

    again = StringIO()
    call_command("load_instruments", stdout=again)

    assert "Questionnaires already up to date: 0 created, 0 updated, 6 unchanged" in (
        again.getvalue()
    )
    assert InstrumentVersion.objects.count() == 6


def test_each_programme_has_a_session_feedback_form_and_a_tutors_debrief(programmes):
    call_command("load_instruments", stdout=StringIO())

    for programme in programmes.values():
        feedback = version_for_programme(programme.pk, Purpose.SESSION_FEEDBACK)
        debrief = version_for_programme(programme.pk, Purpose.TUTOR_DEBRIEF)
        assert [item.key for item in feedback.items.all()] == [
            "what-mattered",
            "one-thing",
            "welcome",
        ]
        welcome = feedback.items.get(key="welcome")
        assert (welcome.lowest, welcome.highest) == (1, 5)
        assert [item.key for item in debrief.items.all()] == [
            "own-share",
            "co-tutor-share",
            "change",
            "for-the-lead",
        ]
        share = debrief.items.get(key="own-share")
        assert [point["label"] for point in share.points] == [
            "Hardly any",
            "Less than half",
            "About half",
            "More than half",
            "Nearly all",
        ]


def test_a_file_names_its_purpose_and_an_unknown_purpose_loads_nothing(db, tmp_path):
    write(tmp_path, "small.toml", 'purpose = "tutor_debrief"\n' + SMALL)
    instruments_load(directory=tmp_path)
    assert Instrument.objects.get(slug="small").purpose == Purpose.TUTOR_DEBRIEF

    write(tmp_path, "small.toml", 'purpose = "gossip"\n' + SMALL)
    with pytest.raises(instruments.InstrumentFileError) as error:
        instruments_load(directory=tmp_path)
    assert "the purpose “gossip” is not one this site knows" in str(error.value)
    assert Instrument.objects.get(slug="small").purpose == Purpose.TUTOR_DEBRIEF


def test_saving_without_a_purpose_keeps_the_one_it_has(db):
    definition = {"items": [{"key": "a", "kind": "free_text", "text": "Anything?"}]}
    instrument_save(slug="q", title="Q", definition=definition, purpose=Purpose.SESSION_FEEDBACK)
    instrument_save(slug="q", title="Q again", definition=definition)

    assert Instrument.objects.get(slug="q").purpose == Purpose.SESSION_FEEDBACK


def test_every_seed_file_says_who_wrote_it_and_that_it_is_original():
    for path in CONTENT.glob("*.toml"):
        head = path.read_text()[:600]
        assert "Written for this project" in head and "original" in head
        tomllib.loads(path.read_text())


def test_a_file_without_its_programme_is_skipped(db, home_page):
    out = StringIO()
    call_command("load_instruments", stdout=out)

    assert (
        instruments.NO_SUCH_PROGRAMME.format(
            path="instruments/moving-on-together.toml", programme="moving-on-together"
        )
        in out.getvalue()
    )
    assert not Instrument.objects.exists()


def write(directory, name, text):
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)


SMALL = """
title = "Small"
[[scales]]
key = "agenda"
label = "agenda"
[[items]]
key = "a1"
scale = "agenda"
kind = "rating"
text = "How confident?"
points = { from = 1, to = 5 }
"""


def test_a_changed_file_makes_a_new_version_only_when_answered(db, tmp_path):
    write(tmp_path, "small.toml", SMALL)
    instruments_load(directory=tmp_path)
    answered(Instrument.objects.get(slug="small").versions.get())

    write(tmp_path, "small.toml", SMALL.replace("How confident?", "How sure?"))
    loaded = instruments_load(directory=tmp_path)

    assert loaded.updated == [
        (
            "instruments/small.toml",
            "Saved as version 2. Version 1 has answers, so it stays as it was.",
        )
    ]


def test_a_bad_file_loads_nothing_and_names_the_file(db, tmp_path):
    write(tmp_path, "good.toml", SMALL)
    write(tmp_path, "bad.toml", SMALL.replace("from = 1", "from = 9"))

    with pytest.raises(instruments.InstrumentFileError) as caught:
        instruments_load(directory=tmp_path)

    assert caught.value.problems == [
        "instruments/bad.toml: "
        + instruments.RANGE_BACKWARDS.format(item="Question 1 (“How confident?”)")
    ]
    assert not Instrument.objects.exists()
    with pytest.raises(Exception, match="Nothing was loaded"):
        call_command("load_instruments", "--directory", str(tmp_path), stdout=StringIO())


def test_a_questionnaire_changed_in_the_admin_is_kept_unless_forced(db, tmp_path):
    write(tmp_path, "small.toml", SMALL)
    instruments_load(directory=tmp_path)
    raw = tomllib.loads(SMALL.replace("How confident?", "Edited in the admin?"))
    instrument_save(
        slug="small",
        title="Small",
        definition={"scales": raw["scales"], "items": raw["items"]},
        saved_by=UserFactory(),
    )

    kept = instruments_load(directory=tmp_path)
    forced = instruments_load(directory=tmp_path, force=True)

    assert kept.skipped[0][1] == instruments.EDITED_IN_ADMIN.format(
        path="instruments/small.toml", number=1
    )
    assert forced.updated
    assert Item.objects.get().text == "How confident?"


def test_loading_the_curricula_loads_their_questionnaires(db, authors, home_page):
    from cms.curricula.files import parse_curricula
    from cms.curricula.loading import curricula_load

    curricula = Path(settings.BASE_DIR) / "content" / "curricula"
    first = curricula_load(programmes=parse_curricula(curricula))

    assert {"instruments/moving-on-together.toml", "instruments/working-in-partnership.toml"} <= (
        set(first.created)
    )
    assert Instrument.objects.filter(programme__isnull=False).count() == 6
    second = curricula_load(programmes=parse_curricula(curricula))
    assert not second.changed
    assert "instruments/moving-on-together.toml" in second.unchanged


# --- the Wagtail admin ------------------------------------------------------------------------


def item_form(prefix, value, block_id):
    data = {
        f"{prefix}-id": block_id,
        f"{prefix}-deleted": "",
        f"{prefix}-value-kind": value["kind"],
        f"{prefix}-value-text": value["text"],
        f"{prefix}-value-hint": value["hint"],
        f"{prefix}-value-asked": value["asked"],
        f"{prefix}-value-key": value["key"],
        f"{prefix}-value-point_range-start": value["point_range"]["start"] or "",
        f"{prefix}-value-point_range-end": value["point_range"]["end"] or "",
        f"{prefix}-value-point_range-start_label": value["point_range"]["start_label"],
        f"{prefix}-value-point_range-end_label": value["point_range"]["end_label"],
        f"{prefix}-value-points-count": len(value["points"]),
        f"{prefix}-value-options-count": len(value["options"]),
    }
    if value["point_range"]["start"] == 0:
        data[f"{prefix}-value-point_range-start"] = "0"
    for flag in ["required", "reverse_scored"]:
        if value[flag]:
            data[f"{prefix}-value-{flag}"] = "on"
    for name in ["points", "options"]:
        for n, child in enumerate(value[name]):
            data |= {
                f"{prefix}-value-{name}-{n}-id": child["id"],
                f"{prefix}-value-{name}-{n}-deleted": "",
                f"{prefix}-value-{name}-{n}-order": n,
                f"{prefix}-value-{name}-{n}-value-value": child["value"]["value"],
                f"{prefix}-value-{name}-{n}-value-label": child["value"]["label"],
            }
    return data


def admin_form(*, slug="skills", title="Skills", programme=None, raw=None, purpose="reflection"):
    """Form data as the admin posts it, for a definition dict."""
    from assessments.instrument_blocks import stream_from_definition

    stream = stream_from_definition(definition_clean(raw or definition()))
    data = {"definition-count": len(stream)}
    for n, block in enumerate(stream):
        prefix = f"definition-{n}"
        data |= {f"{prefix}-type": block["type"], f"{prefix}-order": n}
        if block["type"] == "question":
            data |= item_form(prefix, block["value"], block["id"])
            continue
        data |= {
            f"{prefix}-id": block["id"],
            f"{prefix}-deleted": "",
            f"{prefix}-value-key": block["value"]["key"],
            f"{prefix}-value-label": block["value"]["label"],
            f"{prefix}-value-items-count": len(block["value"]["items"]),
        }
        for i, item in enumerate(block["value"]["items"]):
            data |= item_form(f"{prefix}-value-items-{i}", item["value"], item["id"])
            data[f"{prefix}-value-items-{i}-order"] = i
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "programme": programme.pk if programme else "",
            "purpose": purpose,
            "introduction": "Why we ask.",
        }
    ) | {key: str(value) for key, value in data.items()}


def messages_of(response):
    # Wagtail adds its buttons' markup after the message's own text.
    return [str(message).split("\n")[0] for message in response.context["messages"]]


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.mark.parametrize("who", ["superuser", "lead"])
def test_create_and_edit_in_the_admin_through_the_service(client, people, superuser, who):
    person = superuser if who == "superuser" else people["lead"]
    client.force_login(person)

    response = client.post("/admin/instruments/new/", admin_form(), follow=True)

    assert response.status_code == 200
    assert "“Skills” saved. Saved as version 1." in messages_of(response)
    instrument = Instrument.objects.get(slug="skills")
    version = current_version(instrument)
    assert version.created_by == person
    assert version.definition == definition_clean(definition())

    edit_url = f"/admin/instruments/edit/{instrument.pk}/"
    page = client.get(edit_url)
    assert page.status_code == 200
    assert "Versions" in page.content.decode()

    same = client.post(edit_url, admin_form(), follow=True)
    assert "“Skills” saved. No changes." in messages_of(same)

    changed = definition()
    changed["items"][0]["text"] = "Clearer?"
    rewritten = client.post(edit_url, admin_form(raw=changed), follow=True)
    assert "“Skills” saved. Version 1 updated: nobody has answered it yet." in messages_of(
        rewritten
    )

    answered(current_version(instrument))
    changed["items"][1]["text"] = "Clearer still?"
    new = client.post(edit_url, admin_form(raw=changed), follow=True)
    assert (
        "“Skills” saved. Saved as version 2. Version 1 has answers, so it stays as it was."
        in messages_of(new)
    )
    assert InstrumentVersion.objects.filter(instrument=instrument).count() == 2
    html = client.get(edit_url).content.decode()
    assert "Yes: its questions are frozen" in html


def test_item_keys_made_in_the_admin_are_block_ids_and_last(client, people):
    client.force_login(people["lead"])
    raw = definition()
    raw["items"][0]["key"] = "6f3c6b0e-6f1a-4f53-9d55-111111111111"

    client.post("/admin/instruments/new/", admin_form(raw=raw))

    instrument = Instrument.objects.get()
    (scale, *_rest) = instrument.definition
    first_block = scale.value["items"].bound_blocks[0]
    assert first_block.id == raw["items"][0]["key"]
    assert first_block.value["key"] == ""
    assert current_version(instrument).items.filter(key=raw["items"][0]["key"]).exists()


def test_a_bad_definition_in_the_admin_shows_its_problems(client, people):
    client.force_login(people["lead"])
    raw = definition()
    raw["items"][1]["reverse_scored"] = False
    form = admin_form(raw=raw)
    # An author ticks "reverse-scored" on the free-text question.
    hope_prefix = next(
        key.removesuffix("-value-text")
        for key, value in form.items()
        if value == "What do you hope for?"
    )
    form[f"{hope_prefix}-value-reverse_scored"] = "on"

    response = client.post("/admin/instruments/new/", form)

    assert response.status_code == 200
    html = response.content.decode()
    assert QUESTIONS_NEED_ATTENTION in html
    assert "only rating questions can be reverse-scored" in html
    assert not Instrument.objects.exists()


def test_the_slug_cannot_change_in_the_admin(client, people):
    client.force_login(people["lead"])
    client.post("/admin/instruments/new/", admin_form())
    instrument = Instrument.objects.get()

    response = client.post(f"/admin/instruments/edit/{instrument.pk}/", admin_form(slug="other"))

    assert response.status_code == 200
    assert SLUG_KEPT in response.content.decode()
    assert Instrument.objects.get().slug == "skills"


def test_a_programme_with_a_questionnaire_cannot_take_another_in_the_admin(
    client, people, programmes
):
    client.force_login(people["lead"])
    patient = programmes["patient"]
    instrument_save(slug="one", title="One", programme=patient, definition=definition())

    response = client.post(
        "/admin/instruments/new/", admin_form(slug="two", title="Two", programme=patient)
    )

    assert response.status_code == 200
    assert "already has a questionnaire" in response.content.decode()
    assert Instrument.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [("trainee", 302), ("lay_tutor", 302), ("clinical_tutor", 302), ("site_admin", 302)],
)
def test_only_leads_and_superusers_reach_questionnaires(client, people, role, expected):
    client.force_login(people[role])

    assert client.get("/admin/instruments/").status_code == expected
    assert client.get("/admin/instruments/new/").status_code == expected
    assert not any(
        Permission.objects.filter(
            codename="change_instrument", group__user=people[role]
        ).values_list("pk", flat=True)
    )


# Session and user, the user's groups and permissions, the count and the page of questionnaires
# (with programme, latest version and answered in the same query), and the admin's menus.
LIST_QUERIES = 12


def test_the_list_page_takes_the_same_queries_however_many_questionnaires(
    client, people, django_assert_num_queries
):
    client.force_login(people["lead"])
    instrument_save(slug="one", title="One", definition=definition())
    client.get("/admin/instruments/")  # warm per-process caches

    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/admin/instruments/").status_code == 200
    for n in range(5):
        saved = instrument_save(slug=f"more-{n}", title=f"More {n}", definition=definition())
        answered(saved.version)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/admin/instruments/")
    assert "More 4" in response.content.decode()


def test_the_list_exports_as_csv(client, people):
    client.force_login(people["lead"])
    answered(instrument_save(slug="one", title="One", definition=definition()).version)

    response = client.get("/admin/instruments/?export=csv")

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    header, row = text.strip().splitlines()[:2]
    assert "Latest version" in header and "Answered" in header
    assert row.startswith("One,one,")


def test_a_question_preview_names_its_kind_and_when_it_is_asked_in_words():
    block = ItemBlock()
    html = block.render(block.to_python(ITEM_PREVIEW | {"asked": "after"}))
    assert "Rating scale · asked after only" in html
    assert "rating ·" not in html


def test_the_admin_saves_a_questionnaires_purpose_and_allows_one_of_each_per_programme(
    client, superuser, programmes
):
    client.force_login(superuser)
    patient = programmes["patient"]
    client.post("/admin/instruments/new/", admin_form(programme=patient), follow=True)
    response = client.post(
        "/admin/instruments/new/",
        admin_form(slug="after-each", programme=patient, purpose=Purpose.SESSION_FEEDBACK),
        follow=True,
    )

    assert "saved. Saved as version 1." in " ".join(messages_of(response))
    assert Instrument.objects.get(slug="after-each").purpose == Purpose.SESSION_FEEDBACK
    taken = client.post(
        "/admin/instruments/new/",
        admin_form(slug="again", programme=patient, purpose=Purpose.SESSION_FEEDBACK),
    )
    assert taken.status_code == 200
    assert not Instrument.objects.filter(slug="again").exists()
