"""The vocabulary of the paired curricula, shared by page models, blocks, loader and exporter."""

from django.db import models


class Track(models.TextChoices):
    PATIENT = "patient", "People living with a long-term condition"
    PROFESSIONAL = "professional", "Health professionals"


class Theme(models.TextChoices):
    COMMUNICATION = "communication", "Communication"
    AGENDA_SETTING = "agenda-setting", "Agenda setting"
    GOAL_SETTING = "goal-setting", "Goal setting and action planning"
    FOLLOW_UP = "follow-up", "Follow-up"
    PROBLEM_SOLVING = "problem-solving", "Collaborative problem solving"
    IMPORTANCE_AND_CONFIDENCE = "importance-and-confidence", "Importance and confidence"
    AMBIVALENCE = "ambivalence", "Ambivalence"


class ModuleFormat(models.TextChoices):
    COURSE = "course", "Course session or workshop"
    ELEARNING = "e-learning", "E-learning"


class SuggestedLead(models.TextChoices):
    LAY = "lay tutor", "Lay tutor"
    CLINICAL = "clinical tutor", "Clinical tutor"
    EITHER = "either tutor", "Either tutor"
