"""The models of assessments, one module per area, all re-exported here: import them from
`assessments.models`. They know nothing of courses: an administration points at what it evaluates
by content type and id."""

from assessments.models.exports import ExportLog
from assessments.models.knowledge_checks import (
    DEFAULT_CHECK_TITLE,
    KnowledgeCheck,
    KnowledgeCheckAttempt,
    Option,
    Question,
    check_problems,
)
from assessments.models.reflections import (
    REFLECTION_PHASES,
    SCORED_KINDS,
    Administration,
    Answer,
    Erasure,
    Instrument,
    InstrumentVersion,
    Item,
    ItemKind,
    Phase,
    Pseudonym,
    Purpose,
    ReflectionReminder,
    Response,
    Scale,
    ScaleScore,
)

__all__ = [
    "DEFAULT_CHECK_TITLE",
    "Option",
    "Question",
    "KnowledgeCheck",
    "check_problems",
    "KnowledgeCheckAttempt",
    "Phase",
    "REFLECTION_PHASES",
    "Purpose",
    "ItemKind",
    "SCORED_KINDS",
    "Instrument",
    "InstrumentVersion",
    "Scale",
    "Item",
    "Administration",
    "Response",
    "Answer",
    "ScaleScore",
    "Pseudonym",
    "ReflectionReminder",
    "Erasure",
    "ExportLog",
]
