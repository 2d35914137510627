"""One exception for course delivery, and the messages people see (tests import these)."""


class CoursesError(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


NOT_ELEARNING = "This module is taught in workshops, not as e-learning."
NOT_PUBLISHED = "This module is not available yet."
ALREADY_ENROLLED = "You are already enrolled on this module."
CODE_UNKNOWN = "We do not recognise that invitation code. Check it and try again."
CODE_NOT_YET = "That invitation code cannot be used until {date}."
CODE_EXPIRED = "That invitation code expired on {date}. Ask your course organiser for a new one."
CODE_USED_UP = "That invitation code has been used as many times as allowed. Ask your course organiser for a new one."
NOT_ENROLLED = "You are not enrolled on this module."
WITHDRAWN = "You have withdrawn from this module. Enrol again to carry on."
LESSON_NOT_IN_MODULE = "That lesson is not part of this module."
CHECK_NOT_PASSED = (
    "Pass the knowledge check at the end of this lesson before you mark it as finished."
)
DATES_REVERSED = "The last day must be on or after the first day."
CERTIFICATE_ALREADY_REVOKED = "This certificate has already been revoked."
REVOKE_REASON_REQUIRED = "Say why the certificate is being revoked."
# The reason recorded when a corrected register takes someone below the run's completion rule.
CERTIFICATE_ATTENDANCE_CORRECTED = "Attendance corrected"


# --- workshops: the readiness rules. Each names the rule and the person. ------------------------
RULE_WRONG_KIND = "Tutor kind: {name} is a {kind}, so cannot take the {slot} place."
RULE_INACTIVE = "Tutor pool: {name} is not teaching at the moment."
RULE_NOT_ACCREDITED = "Accreditation: {name} is not accredited for {programme} on {date}."
RULE_ACCREDITATION_EXPIRED = (
    "Accreditation: {name}'s accreditation for {programme} expired on {expired}, before {date}."
)
RULE_NOT_AVAILABLE = "Availability: {name} is not available on {weekday}s from {start} to {end}."
RULE_AWAY = "Availability: {name} is away from {first_day} to {last_day}."
RULE_DOUBLE_BOOKED = "Double-booking: {name} is already teaching {other} ({when})."
RULE_TRAVEL_BUFFER = (
    "Double-booking: {name} is teaching {other} ({when}) at {venue}, which leaves less than "
    "{minutes} minutes to travel between venues."
)
RULE_MONTHLY_CAP = (
    "Monthly cap: {name} already teaches {count} sessions in {month}, their limit of {cap}."
)

# --- workshops: scheduling ------------------------------------------------------------------
UNKNOWN_TUTOR = "We could not find that tutor. Choose one from the list."
UNKNOWN_PROGRAMME = "Choose a published programme."
UNKNOWN_VENUE = "Choose a venue at this site."
VENUE_TOO_SMALL = (
    "{venue} holds {venue_capacity} people, fewer than the {capacity} places asked for."
)
DATE_IN_PAST = "The first session cannot be in the past."
ENDS_BEFORE_STARTS = "A session must end after it starts."
COMPLETION_OVER_COUNT = "The sessions needed to complete ({needed}) cannot be more than the number of sessions ({count})."
OVERRIDE_NOT_ALLOWED = (
    "A lead can override availability and the monthly cap, but not accreditation, tutor kind or "
    "double-booking."
)
OVERRIDE_REASON_REQUIRED = "Say why you are overriding this rule; the reason is recorded."
RUN_NOT_READY = "The run cannot open for booking until every session is ready: {problems}"
RUN_ALREADY_OPEN = "This run is already open for booking."
RUN_CANCELLED = "This run has been cancelled."
SESSION_PAST = "This session has already taken place."
NOT_ASSIGNED = "{name} is not teaching this session."
SLOT_TAKEN = "The {slot} place is already filled by {name}. Remove them first."

# --- workshops: tutors (session plan, register) ----------------------------------------------
PLAN_NO_MODULE = (
    "This session has no curriculum module yet, so there are no activities to plan. "
    "Ask your programme lead to choose one."
)
PLAN_UNKNOWN_ACTIVITY = (
    "One of the activities is not part of this session's lessons any more. "
    "Reload the page and try again."
)
PLAN_BAD_LEAD = "Choose the lay tutor, the clinical tutor or both together for each activity."
PLAN_NOTHING_CHOSEN = "Choose who leads at least one activity."
PLAN_TUTORS_ONLY = (
    "Only the two tutors of this session can change its plan. If it needs to change, contact them."
)
PLAN_CHANGED_MEANWHILE = (
    "The plan changed after you opened this page, so nothing was saved. {changes} "
    "Check the plan below, then make your choices again."
)
PLAN_CHANGE = '{name} chose {lead} for "{activity}".'
REGISTER_TOO_EARLY = "You can mark the register once the session has started."
REGISTER_UNKNOWN_TRAINEE = (
    "One of the people on the register is not booked on this course. Reload the page and try again."
)
REGISTER_BAD_MARK = "Mark each person present, absent or sent apologies."
REGISTER_NOTHING_MARKED = "Mark at least one person present, absent or sent apologies."
REGISTER_UNMARKED = "{unmarked} of {booked} {people} not marked. Save anyway?"

# --- workshops: booking and the waiting list ----------------------------------------------------
RUN_NOT_OPEN = "This course is not open for booking. It may not have started taking bookings yet, or it may have been cancelled."
BOOKING_CLOSED = "Booking has closed for this course: its first session started on {date}."
ALREADY_BOOKED = "You already have a place on this course."
ALREADY_WAITING = "You are already on the waiting list for this course, number {position}."
ALREADY_COMPLETED = "You have already completed this course."
NOT_A_COURSE_BOOKING = "That is not a booking on a course."
SAY_WHO_YOU_ARE = (
    "Before you book, tell us on your account page whether you live with a long-term condition, "
    "work in health or care, or both: each course is meant for one of these groups."
)
NOT_YOUR_GROUP = (
    "{course} is for {group}, and you told us {you}. If you think you should join it, contact "
    "the organisers: a programme lead can make an exception for you."
)
OVERLAPS = (
    "This course overlaps {other} ({dates}), which you are {held}. You cannot take both. "
    "If you would rather join this one, cancel the other first."
)
ANSWERS_NOT_BOOKED = (
    "You are not booked on this course or its waiting list, so there is nothing to change. "
    "Book a place to tell us what you need."
)
TERMS_NOT_AGREED = "Agree to the booking terms to book a place."
ACCESS_NEED_UNKNOWN = "Choose access needs from the list, or describe them in the box."
ANSWERS_CLOSED = (
    "The course has started, so your answers can no longer be changed here. Contact the "
    "organisers to tell them what you need."
)
EXCEPTION_NOT_NEEDED = "{name} can already book this course: it is meant for their group."
EXCEPTION_NO_SUCH_PERSON = (
    "There is nobody with the email address or mobile number {address}. Check it, or add them "
    "from the site's people page first."
)
EXCEPTION_REASON_REQUIRED = "Say why this person may join a course meant for the other group."
BOOKING_BUSY = (
    "A lot of people are booking this course at the moment, so we could not save your booking. "
    "Please try again in a minute."
)

# --- workshops: readiness and scheduling checks (workshops/readiness.py, scheduling.py) -----------
WEEKDAY_UNKNOWN = "Choose the day of the week the sessions are on."
CAPACITY_TOO_SMALL = "A run needs at least 1 place."
SESSION_COUNT_RANGE = "A run has between 1 and 20 sessions."
UNKNOWN_SLOT = "Choose the lay or the clinical place."
SESSION_GONE = "That session no longer exists."
COVER_WITHDREW = "{name} withdrew from this session."

# --- workshops: calendars and reminders ---------------------------------------------------------
CALENDAR_ADDRESS_CHANGED = (
    "Your calendar address has changed. Subscribe again with the new address."
)

# --- workshops: the pairing planner ------------------------------------------------------------
PLANNER_NO_TUTORS = "There are no {kind}s teaching at this site."
PLANNER_NOTHING_CHOSEN = "Tick at least one session to accept its tutors."
PLANNER_SESSION_TWICE = "Each session can be accepted only once."
PLANNER_SESSION_ELSEWHERE = "Only sessions at {site} can be planned here. Nothing was saved."
PLANNER_REFUSED = "{session}: {reason} Nothing was saved: plan again to see who is free now."
PLANNER_CHOICE_INVALID = "We could not read the tutors chosen. Plan again and accept the new plan."
PLANNER_PERIOD_TOO_LONG = "Plan at most {days} days at a time."

# --- workshops: cancelling a run ----------------------------------------------------------------
CANCEL_REASON_REQUIRED = "Say why the run is cancelled. Everyone booked is told the reason."
RUN_FINISHED = "This run has finished, so it cannot be cancelled."

# --- reflections: a lay tutor's share of the leading (reflections/partnership.py) ---------------
PARTNERSHIP_DEALT_WITH = (
    "The alert about {tutor} is marked as dealt with. It is no longer on your list."
)
PARTNERSHIP_ALREADY_DEALT_WITH = (
    "{person} had already marked the alert about {tutor} as dealt with. Nothing changed."
)

# --- sites: contact details and messages to the organisers --------------------------------------
MESSAGE_LIMIT = (
    "You have sent {limit} messages in the last 24 hours, which is as many as one person can send "
    "in a day. You can send another tomorrow. If it cannot wait, use {site}'s contact details "
    "on this page."
)
MESSAGE_EMPTY = "Write your message."
MESSAGE_TOPIC = "Choose what your message is about."


# --- privacy: producing a person's data for their written request -------------------------------
REQUEST_EMAIL_REQUIRED = "Enter the email address of the person who made the request"
REQUEST_EMAIL_INVALID = "Enter an email address in the right format, like name@example.com"
REQUEST_PERSON_NOT_FOUND = (
    "No one with that email address has a booking or enrolment at your sites. Check the address, "
    "or ask a system administrator to produce the data."
)
REQUEST_PERSON_NOT_FOUND_ANYWHERE = "No account has that email address. Check it and try again."
REQUEST_REFERENCE_TOO_LONG = "The reference must be 100 characters or fewer"


# --- reflections: tagging a group's goals with a theme (reflections/goal_themes.py) -------------
GOAL_TAGGING_TUTORS_ONLY = "Only the tutors of this course can tag its group's goals."
GOAL_NOT_IN_GROUP = "That goal is not one the people on this course shared with their tutors."

# --- reflections: refreshers for a group whose change did not last -------------------------------
REFRESHER_PERCENT_REQUIRED = "Enter a percentage for {programme}, like 50"
REFRESHER_PERCENT_NOT_WHOLE = "The percentage for {programme} must be a whole number, like 50"
REFRESHER_PERCENT_RANGE = "The percentage for {programme} must be between {low} and {high}"
REFRESHER_CHOOSE = "Choose the refresher to invite the group to"
REFRESHER_OTHER_SITE = "{refresher} is not at {site}. Choose a refresher at {site}."
REFRESHER_OTHER_PROGRAMME = (
    "{refresher} is a run of {other}. Choose a refresher of {programme}, the course the group did."
)
REFRESHER_NOT_ONE_SESSION = (
    "{refresher} has {count} sessions. A refresher is a run with exactly one session."
)
REFRESHER_PAST = "{refresher} has already started. Choose a refresher still to come."
REFRESHER_NOT_OPEN = "{refresher} is not open for booking. Open it from its page first."
REFRESHER_FULL = "{refresher} has no places left. Choose another, or add places to it."
REFRESHER_SAME_RUN = "Choose a refresher, not the course the group did."
REFRESHER_ALREADY_INVITED = (
    "This group was already invited to {refresher} on {date}. Nobody was emailed again."
)
REFRESHER_NOBODY = "Nobody who completed {run} can be emailed, so nobody was invited."


# --- people added by staff (courses.people) ---------------------------------------------------
PERSON_FIRST_NAME_REQUIRED = "Enter the person's first name."
PERSON_LAST_NAME_REQUIRED = "Enter the person's last name."
PERSON_NO_WAY_TO_REACH = "Enter at least one way to reach the person: an email address, a mobile number or a postal address."
PERSON_CHANNEL_NEEDS_EMAIL = (
    "They want to be contacted by email: enter their email address, or choose another way."
)
PERSON_CHANNEL_NEEDS_MOBILE = (
    "They want text messages: enter their mobile number, or choose another way."
)
PERSON_CHANNEL_NEEDS_ADDRESS = (
    "They want letters: enter their postal address, or choose another way."
)
PERSON_GROUP_REQUIRED = (
    "Choose whether they live with a long-term condition or work in health or care."
)
PERSON_EMAIL_TAKEN = "{name} already has the email address {email}. Find them in the list of people rather than adding them again."
PERSON_MOBILE_TAKEN = "{name} already has the mobile number {mobile}. Find them in the list of people rather than adding them again."


# --- people: staff booking, moving and taking off (courses.people, workshops/booking.py) -------
MOVE_SAME_RUN = "They are already on this run. Choose another run to move them to."
MOVE_OTHER_PROGRAMME = (
    "A booking can only move to another run of the same course. Take them off this one and "
    "book them onto the other instead."
)
MOVE_NOT_BOOKED = "They are not booked or waiting for this run, so there is nothing to move."
PERSON_TERMS_NOT_READ = (
    "Confirm you have read them the booking terms and they agree, to book a place for them."
)
PERSON_RUN_REQUIRED = "Choose a course to book them onto."
PERSON_MOVE_RUN_REQUIRED = "Choose the course to move them to."
PERSON_EDIT_ONLINE = (
    "This person manages their own details when they sign in, so only they can change them. "
    "Ask them to update their account."
)

# --- waiting-list offers (courses.workshops.offers) ---------------------------------------------
OFFER_EXPIRED = (
    "This offer ended at {deadline}. You are still on the waiting list: number {position}."
)
OFFER_TAKEN = (
    "Someone else accepted this place first, so the place has been taken. You are still on the "
    "waiting list: number {position}. We will tell you if another place comes up."
)
OFFER_ALREADY_ACCEPTED = "You have already accepted this place: you are booked on {course}."
OFFER_ALREADY_DECLINED = (
    "You have already declined this offer. You are still on the waiting list: number {position}."
)
OFFER_CLOSED = (
    "This offer is closed: you are no longer on the waiting list for {course}. Contact the "
    "organisers if you think this is wrong."
)
OFFER_RUN_NOT_OPEN = (
    "{course} is no longer taking bookings: it may have been cancelled. Contact the organisers "
    "to find another course."
)
OFFER_RUN_STARTED = (
    "{course} has already started, so this place can no longer be accepted. Contact the "
    "organisers to find another course."
)
OFFER_ANSWER_UNKNOWN = "Choose Accept the place or Decline."
# --- messages to a run's group, and letters to print (courses.workshops.group_messages,
# courses.people.letters) --------------------------------------------------------------------------
GROUP_MESSAGE_SUBJECT_REQUIRED = "Enter a subject for the message."
GROUP_MESSAGE_SUBJECT_TOO_LONG = "The subject must be {limit} characters or fewer. It has {length}."
GROUP_MESSAGE_BODY_REQUIRED = "Enter the message."
GROUP_MESSAGE_BODY_TOO_LONG = "The message must be {limit} characters or fewer. It has {length}."
GROUP_MESSAGE_AUDIENCE_REQUIRED = "Choose who the message is for."
GROUP_MESSAGE_NOBODY_BOOKED = "Nobody has a place on this course, so there is nobody to send it to."
GROUP_MESSAGE_NOBODY_WAITING = (
    "Nobody is waiting for this course, so there is nobody to send it to."
)
GROUP_MESSAGE_NOBODY = (
    "Nobody has a place on this course or is waiting for it, so there is nobody to send it to."
)
GROUP_MESSAGE_CANCELLED = (
    "This course was cancelled and everyone on it was told. Messages cannot be sent to its "
    "group: contact people one by one from the site's list of people."
)
GROUP_MESSAGE_LIMIT = (
    "This group has been sent {limit} messages in the last 24 hours, the most allowed. Wait "
    "until {time} or contact {site}'s programme lead."
)
LETTERS_NONE_WAITING = (
    "No letters are waiting to be printed: someone may have printed them already. The letters "
    "printed are listed below."
)
# --- merging two records of one person (courses.people.merging) --------------------------------
MERGE_CHOOSE_PERSON = "Choose the other record from this site's people."
MERGE_SAME_PERSON = "Choose another record: this is the record being kept."
MERGE_INACTIVE = "{name}'s account is closed or erased, so it cannot be merged."
MERGE_STAFF = (
    "{name} is a tutor, lead or administrator. Only the records of people taking part in "
    "courses can be merged: ask a system administrator about staff accounts."
)
MERGE_KEEP_THE_ACCOUNT = (
    "{merged} has an account (they can sign in) and {kept} has not. Keep {merged}'s record, so "
    "that their sign-in keeps working: open {merged}'s page and merge {kept}'s record into it."
)
MERGE_OVERLAP = (
    "{kept} has a place on {ours} and {merged} has a place on {theirs} ({dates}): the dates "
    "cross, and one person cannot be on both. Take one of the records off one of these "
    "courses first."
)
MERGE_CLASH_PLACE = (
    "Both are on {course}: {kept} is {kept_place}, {merged} is {merged_place}. {whose}'s place "
    "stays ({place}); the other place is removed."
)
MERGE_CLASH_REFLECTION = (
    "Both answered {reflection}: {kept}'s answers are kept, {merged}'s are deleted."
)
MERGE_CANNOT_MOVE = (
    "Both records have {what} that cannot be put together. Nothing was merged: ask a system "
    "administrator."
)
MERGE_DONE = "{merged}'s record was merged into this one."
# --- referral lists (courses.people.referrals) ---------------------------------------------------
REFERRAL_FILE_REQUIRED = "Choose the referral file to upload: a CSV or Excel (.xlsx) file."
REFERRAL_FILE_TYPE = (
    "The file must be a CSV file (.csv) or an Excel workbook (.xlsx). In Excel, use "
    "Save as and choose one of these."
)
REFERRAL_FILE_TOO_BIG = "The file is larger than {limit}. Split it into smaller files."
REFERRAL_FILE_UNREADABLE = (
    "The file could not be read as {kind}. Save it again from your spreadsheet program and "
    "upload it again."
)
REFERRAL_FILE_EMPTY = "The file is empty. Put the column headings in the first row."
REFERRAL_FILE_NO_ROWS = "The file has headings but no referrals under them."
REFERRAL_FILE_TOO_MANY_ROWS = (
    "The file has more than {limit} referrals. Split it into files of {limit} or fewer."
)
REFERRAL_COLUMN_UNKNOWN = (
    'Column {letter} is headed "{heading}", which is not one of the columns listed on this '
    "page. Rename it or remove it."
)
REFERRAL_COLUMN_TWICE = 'Two columns are headed "{heading}". Keep only one of them.'
REFERRAL_COLUMN_MISSING = 'The file has no "{heading}" column. Add it to the first row.'
REFERRAL_BAD_DATE = "Enter the date as day, month and year, like 25/12/1950."
REFERRAL_DATE_OF_BIRTH_FUTURE = "The date of birth must be in the past."
REFERRAL_DATE_TOO_EARLY = "The date must be after 1900."
REFERRAL_REFERRED_ON_FUTURE = "The referral date cannot be in the future."
REFERRAL_NHS_NUMBER_LENGTH = "An NHS number has 10 digits, like 943 476 5919."
REFERRAL_NHS_NUMBER_CHECK = (
    "This is not a valid NHS number: check it for a mistyped digit, or leave it empty."
)
REFERRAL_GROUP_UNKNOWN = (
    'Enter "patient" (they live with a long-term condition), "professional" (they work in '
    'health or care) or "both". Leave it empty for a patient.'
)
REFERRAL_CHANNEL_UNKNOWN = (
    'Enter "email", "text" or "letter", or leave it empty to use the first way to reach them '
    "the row has."
)
REFERRAL_TWO_PEOPLE = (
    "The email address and the mobile number belong to two different people already here. "
    "Correct the row, or keep only one of them."
)
REFERRAL_ALREADY_CONFIRMED = "This file was already imported on {date}. Nobody was added again."
REFERRAL_CHANGED_MEANWHILE = (
    "Someone with one of these email addresses or mobile numbers was added while you were "
    "importing. Nobody was added: upload the file again to see the new preview."
)
REFERRAL_OUTCOME_CHOOSE = "Choose what came of contacting them."
