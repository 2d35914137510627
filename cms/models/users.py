"""The user: one account per person, signed in by email address."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from cms.curricula.vocabulary import Track
from cms.validation import mobile_number, plain_text


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class Audience(models.TextChoices):
    """Who a person is, as they say at sign-up: which group's courses are meant for them."""

    CONDITION = "condition", "I live with a long-term condition"
    PROFESSIONAL = "professional", "I work in health or care"
    BOTH = "both", "Both: I live with a long-term condition and work in health or care"


class ContactChannel(models.TextChoices):
    """How a person wants to hear from us: every message to them goes this way."""

    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    LETTER = "letter", "Letter by post"


class User(AbstractUser):
    """A person using the system. The email address is the login; there is no username.

    Staff may add a person who is not online (`courses.people`): they have no password, and may
    have no email address at all, only a mobile number or a postal address. They can claim an
    account later with the same email address or mobile number."""

    username = None
    # Unique when given; several people may have none (stored as NULL, never "").
    email = models.EmailField("email address", unique=True, null=True, blank=True)
    mobile = models.CharField(
        "mobile number",
        max_length=16,
        blank=True,
        validators=[mobile_number],
        help_text="Kept as +447700900123.",
    )
    postal_address = models.TextField(
        "postal address",
        max_length=500,
        blank=True,
        validators=[plain_text],
    )
    contact_by = models.CharField(
        "how they want to be contacted",
        max_length=8,
        choices=ContactChannel.choices,
        default=ContactChannel.EMAIL,
    )
    audience = models.CharField(
        "who you are",
        max_length=12,
        choices=Audience.choices,
        blank=True,
        help_text="Courses are meant for people living with a long-term condition or for people "
        "who work in health or care.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        if not self.email:
            self.email = None  # an empty address is no address: never a second "" to collide
        super().save(*args, **kwargs)

    def is_in_group_of(self, track: str) -> bool:
        """Whether courses of `track` (a curriculum track: patient or professional) are meant
        for this person, by what they said at sign-up. Nothing said: neither."""
        if self.audience == Audience.BOTH:
            return True
        return (track, self.audience) in {
            (Track.PATIENT, Audience.CONDITION),
            (Track.PROFESSIONAL, Audience.PROFESSIONAL),
        }
