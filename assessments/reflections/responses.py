"""Answering before-and-after reflections: saving a draft, sending the answers, erasing them, and
what a person sees of their own reflections.

Who may answer which administration, and when, is told by `windows` (the app that owns the
targets registers it): this module never decides it. Sending is one transaction that

1. makes the checks that need no lock first (the person's to answer, not already sent, open now,
   every answer acceptable), so that a refusal stores nothing and rarely queues;
2. makes the response row under its unique constraint (administration, respondent) and locks it
   (`SELECT ... FOR UPDATE`), then looks again whether it has been sent: a second click queued
   behind the first is refused as already sent, so two sends at once record once;
3. writes the answers, and on sending the scale scores (worked out once, with this version's
   rules, and kept) and the person's pseudonym for the programme.

The proof of step 2 is tests/assessments/reflections/test_responses.py's race test (PostgreSQL).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format

from assessments import errors
from assessments.errors import AssessmentError
from assessments.models import (
    SCORED_KINDS,
    Administration,
    Answer,
    Erasure,
    Item,
    ItemKind,
    Phase,
    Pseudonym,
    Response,
    ScaleScore,
)
from assessments.reflections import goals as goals_module
from assessments.reflections import windows
from assessments.reflections.windows import Window
from cms.locking import is_lock_timeout, wait_at_most
from cms.numbers import figure_text

__all__ = [
    "CONSENT_FIELD",
    "MAX_TEXT_LENGTH",
    "AnswerRow",
    "Overview",
    "Change",
    "Question",
    "Reflection",
    "answers_rows_for",
    "change_for",
    "due_for",
    "figure",
    "items_asked",
    "moment_text",
    "reflections_overview",
    "questions_for",
    "reflection_for",
    "reflections_for",
    "response_save",
    "responses_erase",
]

MAX_TEXT_LENGTH = 5000
"""The longest written answer kept, in characters."""

CONSENT_FIELD = "share_with_tutors"
"""The key under which a missing consent choice is reported in AssessmentError.errors."""

BIGGEST_ID = 2**63 - 1

# --- switches for the race test -------------------------------------------------------------
# The race test turns LOCK_RESPONSE_ROW off in its control and shows both sends going on to
# write, so it is the lock that keeps a response from being sent twice. Nothing else changes them.

LOCK_RESPONSE_ROW = True
LOCK_TIMEOUT = "5s"
"""How long a send waits for the response's row (PostgreSQL) before it is refused as busy."""

after_status_check: Callable[[Response], None] | None = None
"""If set, called with the response once it has been found not yet sent, before writing. The race
test sets it to a short pause, widening the window in which two unlocked sends would both pass."""

# The questionnaire's whole definition (JSON) is never needed to show or answer it: its items are
# rows. Leaving it out of queries that join it saves decoding it on every page.
DEFINITIONS = ("version__definition", "version__instrument__definition")

PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, copied by hand


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def response_save(
    *,
    administration_id: int,
    respondent,
    answers: dict[str, str | list[str]],
    share_with_tutors: bool | None,
    submit: bool,
    goals: dict[str, str] | None = None,
    now: datetime | None = None,
    generated: bool = False,
    entered_by=None,
) -> Response:
    """Keep a person's answers to an administration: a draft (which may be partial, and which an
    empty answer clears) or, with `submit`, sent for good.

    `answers` is the whole form: the item's pk as a string -> the posted value; an item asked
    but not in it is unanswered. Raises AssessmentError, having stored nothing, when the
    administration is not this person's to answer (NOT_YOURS), has been sent already, is not open,
    or an answer is refused; `errors` then names each item at fault by its pk (CONSENT_FIELD for
    the consent choice, the key as given for anything that is not a question here).

    `goals` is the goals part of the form (field name -> posted value, see
    assessments.reflections.goals); its problems are named by those field names.

    `entered_by`: the staff member who typed the answers in from the person's paper form
    (kept on the response). The same checks apply, the window too: a paper form handed in
    after the reflection closed cannot be entered."""
    now = now or timezone.now()
    administration = _administration(administration_id)
    if administration is None:
        raise AssessmentError(errors.NOT_YOURS)
    existing = Response.objects.filter(administration=administration, respondent=respondent).first()
    if existing is not None and existing.status == Response.Status.SUBMITTED:
        raise AssessmentError(errors.ALREADY_SUBMITTED)
    window = windows.window_for(respondent, administration)
    if window is None:
        raise AssessmentError(errors.NOT_YOURS)
    _refuse_unless_open(window, now)
    items = items_asked(administration)
    goal_answer, goal_problems = None, {}
    if goals_module.goals_item(items) is not None:
        goal_answer, goal_problems = goals_module.goals_clean(
            administration,
            goals_module.goals_to_rate(administration, respondent),
            goals or {},
            submit=submit,
        )
    tidy = _validated(
        items,
        answers,
        share_with_tutors=share_with_tutors,
        submit=submit,
        more_problems=goal_problems,
    )

    response = _locked_response(administration, respondent, generated=generated)
    if response.status == Response.Status.SUBMITTED:  # a second send, queued behind the first
        raise AssessmentError(errors.ALREADY_SUBMITTED)
    if after_status_check is not None:
        after_status_check(response)

    _write_answers(response, items, tidy)
    if goal_answer is not None:
        goals_module.goals_write(response, administration, goal_answer)
    response.share_with_tutors = share_with_tutors
    if entered_by is not None:
        response.entered_by = entered_by
    if submit:
        response.status = Response.Status.SUBMITTED
        response.submitted_at = now
    # No full_clean(): every value was checked above against the version's own items.
    response.save()
    if submit:
        _write_scores(response, administration, items, tidy)
        pseudonym_for(programme=administration.programme, person=respondent)
    return response


@transaction.atomic
def responses_erase(*, person) -> Erasure:
    """Erase everything a person answered: their responses (sent and drafts), answers, scale
    scores and pseudonyms. Their bookings and learning are not touched. Keeps only a record that
    an erasure happened and how many responses it removed."""
    responses = Response.objects.filter(respondent=person)
    count = responses.count()
    ScaleScore.objects.filter(response__respondent=person).delete()
    Answer.objects.filter(response__respondent=person).delete()
    responses.delete()
    Pseudonym.objects.filter(person=person).delete()
    return Erasure.objects.create(person=person, responses_erased=count)


def pseudonym_for(*, programme, person) -> Pseudonym | None:
    """The person's code in the programme's exports (e.g. "MOT-7K2Q9P"), made once."""
    if programme is None:
        return None
    found = Pseudonym.objects.filter(programme=programme, person=person).first()
    if found is not None:
        return found
    prefix = _initials(programme.title)
    for _attempt in range(10):
        code = prefix + "-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                return Pseudonym.objects.create(programme=programme, person=person, code=code)
        except IntegrityError:
            # Made meanwhile for this person (keep it), or the code was taken (draw again).
            found = Pseudonym.objects.filter(programme=programme, person=person).first()
            if found is not None:
                return found
    raise RuntimeError("Could not draw an unused pseudonym in ten attempts.")


def _initials(title: str) -> str:
    letters = "".join(word[0] for word in title.split() if word[:1].isascii() and word[0].isalpha())
    return letters[:4].upper() or "P"


def _administration(administration_id) -> Administration | None:
    if isinstance(administration_id, str) and administration_id.isascii():
        administration_id = int(administration_id) if administration_id.isdigit() else None
    if not isinstance(administration_id, int) or isinstance(administration_id, bool):
        return None
    if not 0 < administration_id <= BIGGEST_ID:
        return None
    return (
        Administration.objects.select_related("target_type", "programme", "version__instrument")
        .defer(*DEFINITIONS)
        .filter(pk=administration_id)
        .first()
    )


def moment_text(moment: datetime) -> str:
    """'10:00 on Tuesday 12 January 2027', in local time."""
    moment = timezone.localtime(moment)
    return f"{time_format(moment, 'H:i')} on {date_format(moment, 'l j F Y')}"


def _refuse_unless_open(window: Window, now: datetime) -> None:
    if now < window.opens_at:
        raise AssessmentError(errors.NOT_OPEN_YET.format(date=moment_text(window.opens_at)))
    if window.is_closed(now):
        raise AssessmentError(errors.CLOSED.format(date=moment_text(window.closes_at)))


def items_asked(administration: Administration) -> list[Item]:
    """The items on the administration's form, in order, each with `number` (1, 2, 3 ... as
    people see it). Looking-back items are asked after only, whatever their flags say; a
    follow-up asks the after survey's rating items and goals only."""
    phase_flag = "asked_before" if administration.phase == Phase.BEFORE else "asked_after"
    items = Item.objects.filter(version_id=administration.version_id, **{phase_flag: True})
    if administration.phase == Phase.BEFORE:
        items = items.exclude(kind=ItemKind.RETROSPECTIVE)
    if administration.phase == Phase.FOLLOW_UP:
        # A short form months later: the scales' ratings and the person's goals, nothing else
        # (looking back to before the course means little once months have passed).
        items = items.filter(kind__in=[ItemKind.RATING, ItemKind.GOALS])
    items = list(items.select_related("scale").order_by("position", "pk"))
    for number, item in enumerate(items, start=1):
        item.number = number
    return items


Value = tuple[int | None, str]  # (Answer.number, Answer.text)


def _validated(
    items: list[Item],
    answers,
    *,
    share_with_tutors: bool | None,
    submit: bool,
    more_problems: dict[str, str] | None = None,
) -> dict[int, Value]:
    """Item pk -> the value to keep, for the items answered. Raises AssessmentError naming every
    item at fault (in the order of the form, then anything that is not a question here), with
    `more_problems` (the goals part's) at the goals question's place."""
    answers = (
        {str(key): value for key, value in answers.items()} if isinstance(answers, dict) else {}
    )
    known = {str(item.pk) for item in items}
    problems: dict[str, str] = {}
    tidy: dict[int, Value] = {}
    for item in items:
        key = str(item.pk)
        if item.kind == ItemKind.GOALS:  # answered through its own fields
            problems.update(more_problems or {})
            continue
        raw = answers.get(key)
        if isinstance(raw, list | tuple):
            if len(raw) > 1:
                problems[key] = errors.ONE_VALUE_ONLY.format(number=item.number)
                continue
            raw = raw[0] if raw else None
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            problems[key] = _not_acceptable(item)
            continue
        try:
            value = _value(item, raw)
        except AssessmentError as refusal:
            problems[key] = refusal.message
            continue
        if value is not None:
            tidy[item.pk] = value
        elif submit and item.required:
            problems[key] = _missing(item)
    for key in answers:
        if key not in known:
            problems[key] = errors.NOT_AN_ITEM
    if (
        submit
        and share_with_tutors is None
        and any(item.kind == ItemKind.FREE_TEXT for item in items)
    ):
        problems[CONSENT_FIELD] = errors.CONSENT_REQUIRED
    if problems:
        messages = list(dict.fromkeys(problems.values()))  # each message once, in form order
        raise AssessmentError(" ".join([errors.ANSWERS_NEED_ATTENTION, *messages]), problems)
    return tidy


def _value(item: Item, raw: str) -> Value | None:
    """The value to keep for one posted answer, None when it is empty."""
    if item.kind == ItemKind.FREE_TEXT:
        text = raw.replace("\x00", "").replace("\r\n", "\n").strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise AssessmentError(
                errors.TOO_LONG.format(number=item.number, limit=MAX_TEXT_LENGTH, length=len(text))
            )
        return (None, text) if text else None
    chosen = raw.strip()
    if not chosen:
        return None
    if item.kind in SCORED_KINDS:
        points = {str(value): value for value in item.point_values}
        if chosen not in points:
            raise AssessmentError(_not_acceptable(item))
        return (points[chosen], "")
    if chosen not in {str(option["value"]) for option in item.options}:
        raise AssessmentError(_not_acceptable(item))
    return (None, chosen)


def _not_acceptable(item: Item) -> str:
    message = errors.OUT_OF_RANGE if item.kind in SCORED_KINDS else errors.NOT_A_CHOICE
    return message.format(number=item.number)


def _missing(item: Item) -> str:
    if item.kind in SCORED_KINDS:
        return errors.REQUIRED.format(number=item.number)
    if item.kind == ItemKind.CHOICE:
        return errors.REQUIRED_CHOICE.format(number=item.number)
    return errors.REQUIRED_WRITTEN.format(number=item.number)


def _locked_response(administration, respondent, *, generated: bool) -> Response:
    """The person's response row, made if need be (the unique constraint makes a second maker
    wait, then find the first's row), locked for the rest of the transaction."""
    try:
        wait_at_most(LOCK_TIMEOUT)
        response, _ = Response.objects.get_or_create(
            administration=administration, respondent=respondent, defaults={"generated": generated}
        )
        if not LOCK_RESPONSE_ROW:
            return response
        return Response.objects.select_for_update().get(pk=response.pk)
    except OperationalError as error:
        if is_lock_timeout(error):
            raise AssessmentError(errors.RESPONSE_BUSY) from error
        raise


def _write_answers(response: Response, items: list[Item], tidy: dict[int, Value]) -> None:
    existing = {answer.item_id: answer for answer in Answer.objects.filter(response=response)}
    new, changed, cleared = [], [], []
    for item in items:
        value = tidy.get(item.pk)
        answer = existing.get(item.pk)
        if value is None:
            if answer is not None:
                cleared.append(answer.pk)
        elif answer is None:
            new.append(Answer(response=response, item=item, number=value[0], text=value[1]))
        elif (answer.number, answer.text) != value:
            answer.number, answer.text = value
            changed.append(answer)
    if cleared:
        Answer.objects.filter(pk__in=cleared).delete()
    if changed:
        Answer.objects.bulk_update(changed, ["number", "text"])
    if new:
        Answer.objects.bulk_create(new)


def scale_score(ratings: list[float], looking_back: list[float]) -> tuple[float, float | None]:
    """A scale's score from the values its items count for (`Item.counted`): the mean of its
    rating items, and the mean of its looking-back items (None when none was answered)."""
    return fmean(ratings), (fmean(looking_back) if looking_back else None)


def _write_scores(response, administration, items: list[Item], tidy: dict[int, Value]) -> None:
    """One row per scale with a rating answered: the mean of its rating items (reverse-scored
    items turned round: lowest + highest - value), the mean of its looking-back items, and for an
    after or follow-up response the same person's before score for the scale (and, at follow-up,
    their after score), from the administrations of the same target."""
    scales = {}
    for item in items:
        value = tidy.get(item.pk)
        if item.scale_id is None or item.kind not in SCORED_KINDS or value is None:
            continue
        number = item.counted(value[0])
        _scale, ratings, looking_back = scales.setdefault(item.scale_id, (item.scale, [], []))
        (ratings if item.kind == ItemKind.RATING else looking_back).append(number)
    before, after = {}, {}
    if administration.phase in (Phase.AFTER, Phase.FOLLOW_UP):
        before = _earlier_scores(response, administration, Phase.BEFORE)
    if administration.phase == Phase.FOLLOW_UP:
        after = _earlier_scores(response, administration, Phase.AFTER)
    rows = []
    for scale, ratings, looking_back in sorted(
        scales.values(), key=lambda row: (row[0].position, row[0].pk)
    ):
        if not ratings:
            continue
        score, retrospective = scale_score(ratings, looking_back)
        rows.append(
            ScaleScore(
                response=response,
                administration=administration,
                scale_key=scale.key,
                scale_label=scale.label,
                score=score,
                retrospective_score=retrospective,
                before_score=before.get(scale.key),
                after_score=after.get(scale.key),
            )
        )
    ScaleScore.objects.bulk_create(rows)


def _earlier_scores(response, administration, phase) -> dict[str, float]:
    """The same person's scores, by scale, in their submitted response to the `phase`
    administration of the same target."""
    return dict(
        ScaleScore.objects.filter(
            response__respondent_id=response.respondent_id,
            response__status=Response.Status.SUBMITTED,
            administration__target_type_id=administration.target_type_id,
            administration__target_id=administration.target_id,
            administration__phase=phase,
        ).values_list("scale_key", "score")
    )


# --- reads ------------------------------------------------------------------------------------

NOT_STARTED = "not started"
DRAFT = "draft"
SUBMITTED = "submitted"
CLOSED = "closed"
UPCOMING = "upcoming"


@dataclass(frozen=True)
class Reflection:
    """One administration as the person sees it. `window` is None only for answers they sent to
    something no longer theirs to answer (they can still read them)."""

    administration: Administration
    label: str
    phase: str
    window: Window | None
    response: Response | None
    status: str

    @property
    def opens_at(self):
        return self.window.opens_at if self.window else None

    @property
    def closes_at(self):
        return self.window.closes_at if self.window else None

    @property
    def is_before(self) -> bool:
        return self.phase == Phase.BEFORE

    @property
    def when(self) -> str:
        """ "before the course", "after the course", "3 months after the course", "after the
        session"."""
        if self.is_after_a_session:
            return "after the session"
        if self.phase == Phase.FOLLOW_UP:
            months = self.administration.months
            return f"{months} month{'' if months == 1 else 's'} after the course"
        return "before the course" if self.is_before else "after the course"

    @property
    def is_after_a_session(self) -> bool:
        """The feedback or the tutors' debrief after one session, not the course."""
        return self.phase in (Phase.SESSION, Phase.DEBRIEF)

    @property
    def title(self) -> str:
        return self.administration.version.instrument.title

    @property
    def introduction(self) -> list[str]:
        """The paragraphs above the questions: the questionnaire's introduction as written
        (lines of a paragraph joined, paragraphs apart at blank lines), or at a follow-up what
        the follow-up is for (the introduction speaks of the start and the end of the course)."""
        if self.phase == Phase.FOLLOW_UP:
            return [
                f"It is {self.when}. These are some of the questions you answered at the start "
                "and at the end of it, asked again so that you can see whether what changed for "
                "you has lasted. Your tutors never see your name next to your answers."
            ]
        text = self.administration.version.instrument.introduction or ""
        return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


def _status(window: Window | None, response: Response | None, now: datetime) -> str:
    if response is not None and response.status == Response.Status.SUBMITTED:
        return SUBMITTED
    if window is None or window.is_closed(now):
        return CLOSED
    if now < window.opens_at:
        return UPCOMING
    return DRAFT if response is not None else NOT_STARTED


def _reflection(administration, window, response, now) -> Reflection:
    return Reflection(
        administration=administration,
        label=administration.label,
        phase=administration.phase,
        window=window,
        response=response,
        status=_status(window, response, now),
    )


def reflections_for(person, *, now: datetime | None = None) -> list[Reflection]:
    """Every reflection that is the person's to answer (from windows.candidate_administrations
    and their windows), and any they sent that is no longer, in a fixed number of queries: their
    responses, the administrations, and whatever the window resolvers take."""
    now = now or timezone.now()
    if not getattr(person, "is_authenticated", False):
        return []
    responses = {
        response.administration_id: response
        for response in Response.objects.filter(respondent=person)
    }
    ids = {administration.pk for administration in windows.candidate_administrations(person)}
    ids.update(responses)
    if not ids:
        return []
    administrations = list(
        Administration.objects.filter(pk__in=ids)
        .select_related("target_type", "version__instrument")
        .defer(*DEFINITIONS)
    )
    found = windows.windows_for(person, administrations)
    reflections = []
    for administration in administrations:
        window = found.get(administration.pk)
        response = responses.get(administration.pk)
        if window is None and (response is None or response.status != Response.Status.SUBMITTED):
            continue  # not theirs to answer, and nothing of theirs to read
        reflections.append(_reflection(administration, window, response, now))
    reflections.sort(
        key=lambda reflection: (
            reflection.opens_at or reflection.administration.created_at,
            reflection.label,
            reflection.administration.pk,
        )
    )
    return reflections


def due_for(person, *, now: datetime | None = None) -> list[Reflection]:
    """Those open now and not yet sent, soonest closing first (no closing date last)."""
    return _due(reflections_for(person, now=now))


def _due(reflections: list[Reflection]) -> list[Reflection]:
    due = [reflection for reflection in reflections if reflection.status in (NOT_STARTED, DRAFT)]
    due.sort(
        key=lambda reflection: (
            reflection.closes_at is None,
            reflection.closes_at or reflection.opens_at,
            reflection.label,
        )
    )
    return due


@dataclass(frozen=True)
class Overview:
    """The person's reflections page: what is due now, what comes later, what they sent, what
    closed before they sent it, and their own change."""

    due: list[Reflection]
    upcoming: list[Reflection]
    submitted: list[Reflection]
    closed: list[Reflection]
    changes: list[Change]

    @property
    def is_empty(self) -> bool:
        return not (self.due or self.upcoming or self.submitted or self.closed)


def reflections_overview(person, *, now: datetime | None = None) -> Overview:
    reflections = reflections_for(person, now=now)
    submitted = [reflection for reflection in reflections if reflection.status == SUBMITTED]
    submitted.sort(key=lambda reflection: reflection.response.submitted_at, reverse=True)
    return Overview(
        due=_due(reflections),
        upcoming=[reflection for reflection in reflections if reflection.status == UPCOMING],
        submitted=submitted,
        closed=[reflection for reflection in reflections if reflection.status == CLOSED],
        changes=change_for(person),
    )


def reflection_for(person, administration_id, *, now: datetime | None = None) -> Reflection | None:
    """One reflection of the person's, or None when it is not theirs (nor one they sent)."""
    now = now or timezone.now()
    if not getattr(person, "is_authenticated", False):
        return None
    administration = _administration(administration_id)
    if administration is None:
        return None
    response = Response.objects.filter(administration=administration, respondent=person).first()
    window = windows.window_for(person, administration)
    if window is None and (response is None or response.status != Response.Status.SUBMITTED):
        return None
    return _reflection(administration, window, response, now)


@dataclass(frozen=True)
class Question:
    item: Item
    number: int
    answer: Answer | None
    goals: tuple = ()  # the goals question's goals (goals.GoalShown), in order

    @property
    def answer_text(self) -> str:
        return answer_display(self.item, self.answer) if self.answer else ""


def questions_for(reflection: Reflection, person) -> list[Question]:
    """The form's questions in order with the person's answers so far (two queries, and two
    more for a goals question)."""
    items = items_asked(reflection.administration)
    answers = {}
    if reflection.response is not None:
        answers = {
            answer.item_id: answer for answer in Answer.objects.filter(response=reflection.response)
        }
    return [
        Question(
            item=item,
            number=item.number,
            answer=answers.get(item.pk),
            goals=tuple(
                goals_module.goals_shown(reflection.administration, reflection.response, person)
            )
            if item.kind == ItemKind.GOALS
            else (),
        )
        for item in items
    ]


def out_of(number: float | int, highest: int | None, label: str = "") -> str:
    """A score as people read it, with the top of its scale and the point's words:
    "7 out of 10: very confident", "4.5 out of 10"."""
    text = figure(number) if highest is None else f"{figure(number)} out of {highest}"
    if label:
        text += f": {label[:1].lower()}{label[1:]}"
    return text


def answer_display(item: Item, answer: Answer) -> str:
    """An answer as people read it: "8 out of 10", "10 out of 10: completely confident", an
    option's words, or what they wrote."""
    if item.kind in SCORED_KINDS:
        label = next(
            (point.get("label") for point in item.points if point["value"] == answer.number), ""
        )
        return out_of(answer.number, item.highest, label)
    if item.kind == ItemKind.CHOICE:
        return next(
            (
                option.get("label") or answer.text
                for option in item.options
                if str(option["value"]) == answer.text
            ),
            answer.text,
        )
    return answer.text


def figure(value: float) -> str:
    """A score as people read it: whole numbers without ".0", otherwise one decimal place (the
    project's one rounding rule, cms.numbers)."""
    return figure_text(value)


@dataclass(frozen=True)
class Change:
    label: str  # what the reflection was about, e.g. "Moving on Together at Riverside"
    scale_label: str  # lower-case prose, e.g. "confidence in agenda setting"
    before: float
    after: float
    highest: int | None = None  # the top of the scale's points, e.g. 10

    @property
    def before_text(self) -> str:
        return figure(self.before)

    @property
    def after_text(self) -> str:
        return figure(self.after)

    @property
    def sentence(self) -> str:
        """ "Your confidence went from 4.5 to 8.5 out of 10." """
        top = f" out of {self.highest}" if self.highest is not None else ""
        if self.before_text == self.after_text:
            return f"Your {self.scale_label} stayed at {self.after_text}{top}."
        return f"Your {self.scale_label} went from {self.before_text} to {self.after_text}{top}."


def change_for(person) -> list[Change]:
    """The person's own change per scale, where they sent both a before and an after (one
    query), in the order they sent them."""
    scores = (
        ScaleScore.objects.filter(
            response__respondent=person,
            response__status=Response.Status.SUBMITTED,
            administration__phase=Phase.AFTER,
            before_score__isnull=False,
        )
        .select_related("administration")
        .order_by("response__submitted_at", "response_id", "pk")
    )
    scores = list(scores)
    # The top of each scale, from its items' points (a second query, whatever the number).
    highest = {}
    items = Item.objects.filter(
        scale__version_id__in={score.administration.version_id for score in scores}
    ).values_list("scale__version_id", "scale__key", "points")
    for version_id, key, points in items:
        top = max((point["value"] for point in points), default=None)
        if top is not None:
            highest[version_id, key] = max(top, highest.get((version_id, key), top))
    return [
        Change(
            label=score.administration.label,
            scale_label=score.scale_label,
            before=score.before_score,
            after=score.score,
            highest=highest.get((score.administration.version_id, score.scale_key)),
        )
        for score in scores
    ]


@dataclass(frozen=True)
class AnswerRow:
    label: str
    phase: str  # "Before" or "After"
    question: str
    answer: str
    submitted_at: datetime | None


CONSENT_QUESTION = "May your tutors read your written answers, without your name?"


def answers_rows_for(person) -> list[AnswerRow]:
    """Everything the person answered, sent and drafts, for their own download (two queries)."""
    responses = list(
        Response.objects.filter(respondent=person)
        .select_related("administration")
        .order_by("started_at", "pk")
    )
    answers: dict[int, list[Answer]] = {}
    for answer in (
        Answer.objects.filter(response__respondent=person)
        .select_related("item")
        .order_by("item__position", "pk")
    ):
        answers.setdefault(answer.response_id, []).append(answer)
    rows = []
    for response in responses:
        administration = response.administration
        phase = administration.get_phase_display()
        for answer in answers.get(response.pk, []):
            rows.append(
                AnswerRow(
                    label=administration.label,
                    phase=phase,
                    question=answer.item.text,
                    answer=answer_display(answer.item, answer),
                    submitted_at=response.submitted_at,
                )
            )
        if response.share_with_tutors is not None:
            rows.append(
                AnswerRow(
                    label=administration.label,
                    phase=phase,
                    question=CONSENT_QUESTION,
                    answer="Yes" if response.share_with_tutors else "No",
                    submitted_at=response.submitted_at,
                )
            )
    return rows
