"""The models of course delivery, one module per area, all re-exported here: import them from
`courses.models` (`from courses.models import CourseRun`). The modules import only each other and
`cms`, never an area of `courses`, so every area may use every model."""

from courses.models.calendars import (
    CalendarFeed,
)
from courses.models.elearning import (
    Certificate,
    LessonProgress,
)
from courses.models.enrolments import (
    AccessNeed,
    Enrolment,
    GroupException,
    InvitationCode,
)
from courses.models.figures import (
    ChangeFigures,
    CohortFigures,
    FigureRow,
    FiguresRefresh,
    LastingFigures,
    SessionFigures,
)
from courses.models.group_messages import RunMessage, RunMessageRecipient
from courses.models.offers import PlaceOffer
from courses.models.partnership import (
    PartnershipAlert,
)
from courses.models.people import Letter, PersonMerge, PersonRecord
from courses.models.referrals import Referral, ReferralImport, ReferralOutcome
from courses.models.refreshers import (
    RefresherAlert,
    RefresherInvitation,
    RefresherThreshold,
)
from courses.models.reminders import (
    ReminderSent,
)
from courses.models.sites import (
    ClosedDay,
    Nation,
    OrganiserMessage,
    Site,
    SiteMembership,
    Venue,
)
from courses.models.teaching import (
    ActivityLead,
    ActivityLeadChange,
    Attendance,
)
from courses.models.tutors import (
    Accreditation,
    TimeAway,
    Tutor,
    TutorKind,
    Weekday,
    WeeklyAvailability,
)
from courses.models.workshops import (
    AssignmentOverride,
    CourseRun,
    Session,
    TutorWithdrawal,
    parse_reminder_days,
)

__all__ = [
    "RunMessage",
    "RunMessageRecipient",
    "Letter",
    "PersonRecord",
    "PlaceOffer",
    "PersonMerge",
    "Referral",
    "ReferralImport",
    "ReferralOutcome",
    "Site",
    "SiteMembership",
    "Venue",
    "ClosedDay",
    "Nation",
    "OrganiserMessage",
    "InvitationCode",
    "Enrolment",
    "AccessNeed",
    "GroupException",
    "LessonProgress",
    "Certificate",
    "TutorKind",
    "Tutor",
    "Accreditation",
    "Weekday",
    "WeeklyAvailability",
    "TimeAway",
    "CourseRun",
    "parse_reminder_days",
    "Session",
    "AssignmentOverride",
    "TutorWithdrawal",
    "ActivityLead",
    "ActivityLeadChange",
    "Attendance",
    "CalendarFeed",
    "ReminderSent",
    "PartnershipAlert",
    "RefresherThreshold",
    "RefresherAlert",
    "RefresherInvitation",
    "FigureRow",
    "CohortFigures",
    "SessionFigures",
    "ChangeFigures",
    "FiguresRefresh",
    "LastingFigures",
]
