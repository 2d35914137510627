"""Waiting-list offers: a freed place offered to the people waiting, with a deadline, instead of
being handed over (courses.workshops.offers)."""

import uuid

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone


class PlaceOfferQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=PlaceOffer.Status.OPEN)


class PlaceOffer(models.Model):
    """A place on a run offered to one person on its waiting list, until `expires_at`.

    `place` names the freed place the offer is for. Offers that share it are for the same place:
    the next person's offer after one was declined or lapsed, or, in the last day before the
    course starts, the offers made to everyone waiting at once (`to_all`), of which the first
    accepted takes the place. An open offer holds its place: a run's places taken are its
    bookings plus the places with an open offer, each place counted once (`held_places`)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        LAPSED = "lapsed", "Ended without an answer"
        TAKEN = "taken", "Taken by someone else"
        CLOSED = "closed", "Closed"

    run = models.ForeignKey("CourseRun", on_delete=models.CASCADE, related_name="offers")
    enrolment = models.ForeignKey("Enrolment", on_delete=models.CASCADE, related_name="offers")
    place = models.UUIDField(default=uuid.uuid4)
    to_all = models.BooleanField(
        default=False, help_text="Offered to everyone waiting at once, in the last day."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    made_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = PlaceOfferQuerySet.as_manager()

    class Meta:
        ordering = ["made_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "place"], name="one_offer_per_enrolment_and_place"
            )
        ]
        indexes = [
            models.Index(fields=["run", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self):
        return f"Place on {self.run_id} offered to enrolment {self.enrolment_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.expires_at > timezone.now()


def held_places(run_ref=None):
    """The places a run's open offers hold, as an annotation (each place counted once, however
    many people it is offered to). `run_ref` is the run's id or an OuterRef to it."""
    return Coalesce(
        Subquery(
            PlaceOffer.objects.filter(
                run=run_ref if run_ref is not None else OuterRef("pk"),
                status=PlaceOffer.Status.OPEN,
            )
            .order_by()
            .values("run")
            .annotate(n=Count("place", distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
