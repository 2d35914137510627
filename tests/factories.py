import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from courses.models import Site, SiteMembership

PASSWORD = "a-long-test-password-7"


class UserFactory(factory.django.DjangoModelFactory):
    """A verified person. `roles=["programme lead"]` puts them in those groups."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Health Board {n}")
    slug = factory.Sequence(lambda n: f"board-{n}")


class SiteMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    site = factory.SubFactory(SiteFactory)
    user = factory.SubFactory(UserFactory)
