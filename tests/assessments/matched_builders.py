"""Submitted before-and-after responses made straight from rows, for the analysis and export
tests: a Response, its Answers and the ScaleScore rows scored here by the rules the brief gives
(mean of a scale's rating items, reverse-scored items turned round as lowest + highest - value,
looking-back items averaged apart, an after row carrying the person's before score).

The fixed data set, SEVEN, is seven people's answers to tests/assessments/reflection_builders.py's
version_with_items(), with each person's scale scores worked out by hand alongside.
"""

from datetime import UTC, datetime

from assessments.models import Administration, Answer, ItemKind, Phase, Response, ScaleScore

# Before: a1, a2 (0-10), e1, e2 (1-5, e2 reverse-scored). After: the same plus the looking-back
# items a-retro and e-retro (the seventh person skipped those).
SEVEN = [
    (
        {"a1": 3, "a2": 4, "e1": 2, "e2": 4, "heard": "gp"},
        {"a1": 7, "a2": 8, "a-retro": 2, "e1": 4, "e2": 2, "e-retro": 2, "hope": "I speak first."},
    ),
    (
        {"a1": 5, "a2": 5, "e1": 3, "e2": 3, "heard": "friend"},
        {"a1": 6, "a2": 7, "a-retro": 4, "e1": 4, "e2": 3, "e-retro": 2, "hope": "A list helps."},
    ),
    (
        {"a1": 2, "a2": 3, "e1": 1, "e2": 5},
        {"a1": 2, "a2": 2, "a-retro": 2, "e1": 3, "e2": 2, "e-retro": 1},
    ),
    (
        {"a1": 6, "a2": 6, "e1": 3, "e2": 2},
        {"a1": 9, "a2": 8, "a-retro": 5, "e1": 5, "e2": 1, "e-retro": 3, "hope": "Goals stick."},
    ),
    (
        {"a1": 4, "a2": 2, "e1": 2, "e2": 3},
        {"a1": 5, "a2": 6, "a-retro": 3, "e1": 3, "e2": 3, "e-retro": 2},
    ),
    (
        {"a1": 7, "a2": 8, "e1": 4, "e2": 2},
        {"a1": 6, "a2": 7, "a-retro": 6, "e1": 4, "e2": 2, "e-retro": 4},
    ),
    (
        {"a1": 1, "a2": 2, "e1": 2, "e2": 4},
        {"a1": 6, "a2": 5, "e1": 3, "e2": 3},
    ),
]

# The same people's scale scores, by hand (e2 turned round: 1 + 5 - value).
AGENDA_BEFORE = [3.5, 5, 2.5, 6, 3, 7.5, 1.5]
AGENDA_AFTER = [7.5, 6.5, 2, 8.5, 5.5, 6.5, 5.5]
AGENDA_LOOKING_BACK = [2, 4, 2, 5, 3, 6, None]
ENABLING_BEFORE = [2, 3, 1, 3.5, 2.5, 4, 2]
ENABLING_AFTER = [4, 3.5, 3.5, 5, 3, 4, 3]
ENABLING_LOOKING_BACK = [2, 2, 1, 3, 2, 4, None]


def _mean(values):
    return sum(values) / len(values) if values else None


def _scale_scores(response, answers, before_scores):
    rows = []
    items = list(response.administration.version.items.select_related("scale"))
    for scale in response.administration.version.scales.all():
        ratings, looking_back = [], []
        for item in items:
            if item.scale_id != scale.pk or item.key not in answers:
                continue
            value = answers[item.key]
            if item.kind == ItemKind.RATING:
                ratings.append(item.lowest + item.highest - value if item.reverse_scored else value)
            elif item.kind == ItemKind.RETROSPECTIVE:
                looking_back.append(value)
        if not ratings:
            continue
        rows.append(
            ScaleScore(
                response=response,
                administration=response.administration,
                scale_key=scale.key,
                scale_label=scale.label,
                score=_mean(ratings),
                retrospective_score=_mean(looking_back),
                before_score=before_scores.get(scale.key),
            )
        )
    ScaleScore.objects.bulk_create(rows)


def answered(person, administration, answers, *, submitted_at=None, share=None, status=None):
    """`person`'s submitted response to `administration` with these answers (item key -> value),
    scored. An after response's scores carry the person's before scores, if any."""
    response = Response.objects.create(
        administration=administration,
        respondent=person,
        status=status or Response.Status.SUBMITTED,
        share_with_tutors=share,
        submitted_at=submitted_at or datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
    items = {item.key: item for item in administration.version.items.all()}
    Answer.objects.bulk_create(
        Answer(
            response=response,
            item=items[key],
            number=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else "",
        )
        for key, value in answers.items()
    )
    if response.status != Response.Status.SUBMITTED:
        return response
    before_scores = {}
    if administration.phase == Phase.AFTER:
        before_scores = dict(
            ScaleScore.objects.filter(
                response__respondent=person,
                response__status=Response.Status.SUBMITTED,
                administration__in=Administration.objects.filter(
                    target_type=administration.target_type,
                    target_id=administration.target_id,
                    phase=Phase.BEFORE,
                ),
            ).values_list("scale_key", "score")
        )
    _scale_scores(response, answers, before_scores)
    return response


def answered_both(person, before, after, before_answers, after_answers, **after_options):
    answered(person, before, before_answers, submitted_at=datetime(2026, 1, 5, 9, tzinfo=UTC))
    return answered(person, after, after_answers, **after_options)
