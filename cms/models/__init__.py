"""The models of the site shell and the curricula, one module per kind, all re-exported here:
import them from `cms.models` (migrations name `cms.models.UserManager`). The sign-off task's
models live with the rest of the sign-off in `cms.curricula.workflows`."""

from cms.curricula.workflows import CoAuthorSignOffTask, CoAuthorSignOffTaskState
from cms.models.claims import AccountClaim
from cms.models.outbox import OutgoingEmail, OutgoingText
from cms.models.pages import (
    HomePage,
    InformationPage,
    LessonPage,
    ModulePage,
    ModulePairing,
    ProgrammePage,
    can_see_tutor_notes,
)
from cms.models.privacy import PersonalDataExport, PersonErasure, RetentionRun
from cms.models.second_factors import SecondFactorReset
from cms.models.sources import CurriculumSource
from cms.models.sso import SignInRoleGrant, SignInRoleMapping
from cms.models.users import Audience, ContactChannel, User, UserManager

__all__ = [
    "Audience",
    "ContactChannel",
    "UserManager",
    "User",
    "HomePage",
    "InformationPage",
    "ProgrammePage",
    "ModulePage",
    "ModulePairing",
    "LessonPage",
    "can_see_tutor_notes",
    "CurriculumSource",
    "OutgoingEmail",
    "OutgoingText",
    "PersonalDataExport",
    "PersonErasure",
    "RetentionRun",
    "SecondFactorReset",
    "SignInRoleMapping",
    "SignInRoleGrant",
    "CoAuthorSignOffTask",
    "CoAuthorSignOffTaskState",
    "AccountClaim",
]
