import json

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Seed the test identity provider: one client and the people in a JSON file "
        '([{"email": ..., "password": ..., "first_name": ..., "last_name": ...}]). Safe to run twice.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", action="append", required=True)
        parser.add_argument("--people", required=True, help="path of the JSON file of people")

    def handle(self, *args, **options):
        client, _ = Client.objects.get_or_create(
            id=options["client_id"], defaults={"name": "Co-training (test)"}
        )
        client.set_secret(options["client_secret"])
        client.set_redirect_uris(options["redirect_uri"])
        client.set_scopes(["openid", "profile", "email"])
        client.set_default_scopes(["openid", "profile", "email"])
        client.skip_consent = True
        client.save()
        with open(options["people"]) as people:
            for person in json.load(people):
                user, _ = get_user_model().objects.update_or_create(
                    username=person["email"],
                    defaults={
                        "email": person["email"],
                        "first_name": person.get("first_name", ""),
                        "last_name": person.get("last_name", ""),
                    },
                )
                user.set_password(person["password"])
                user.save()
                EmailAddress.objects.update_or_create(
                    user=user,
                    email=person["email"],
                    defaults={"verified": person.get("verified", True), "primary": True},
                )
        self.stdout.write(f"Seeded client {client.id} and the people.")
