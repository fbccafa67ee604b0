"""Shared factory-boy factories for tests; append new ones, keep existing names stable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import factory
from django.utils import timezone

from stats import bitmaps
from stats.models import (
    Category,
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    LogSegment,
    Package,
    PackageDay,
    PackageMonth,
    PackageVersion,
    PackageYear,
    Registry,
    RuleSet,
    SegmentStatus,
    UnknownPackage,
)
from stats.packed_facts import Fact
from stats.services.bulk import FactRow, insert_facts


class RegistryFactory(factory.django.DjangoModelFactory):
    """A generic-rules registry counting GET 200/206 on ``/packages/<name>/<version>.tgz``."""

    class Meta:
        model = Registry
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"registry{n}")
    title = factory.LazyAttribute(lambda o: o.name.title())
    rule_set = RuleSet.GENERIC
    download_regex = r"^/packages/(?P<package>[A-Za-z0-9.]+)/(?P<version>[^/]+)\.tgz$"
    counted_statuses = factory.LazyFunction(lambda: [200, 206])
    counted_methods = factory.LazyFunction(lambda: ["GET"])
    timezone = "UTC"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("registry", "name")

    registry = factory.SubFactory(RegistryFactory)
    name = factory.Sequence(lambda n: f"category{n}")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    registry = factory.SubFactory(RegistryFactory)
    category = factory.SubFactory(CategoryFactory, registry=factory.SelfAttribute("..registry"))
    name = factory.Sequence(lambda n: f"Package{n}")
    first_release = "3.0"
    active = True


class PackageVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageVersion

    package = factory.SubFactory(PackageFactory)
    version = factory.Sequence(lambda n: f"1.{n}.0")
    downloads = 10
    first_day = dt.date(2024, 1, 1)
    last_day = dt.date(2024, 1, 31)


class LogSegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LogSegment

    registry = factory.SubFactory(RegistryFactory)
    source = factory.Sequence(lambda n: f"/var/log/access-{n}.log.gz")
    start_offset = 0
    end_offset = 1024
    content_hash = factory.Sequence(lambda n: f"blake3:{n:064x}")
    status = SegmentStatus.DONE
    lines = 100
    malformed = 0
    downloads = 40
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(seconds=2))


class UnknownPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnknownPackage

    registry = factory.SubFactory(RegistryFactory)
    category = "bioc"
    name = factory.Sequence(lambda n: f"Unknown{n}")
    requests = 3
    last_seen = dt.date(2024, 1, 31)


class _ClientsMixin(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    clients = factory.LazyFunction(lambda: bitmaps.to_bytes([1, 2, 3]))
    distinct_clients = 3
    downloads = 7


class PackageDayFactory(_ClientsMixin):
    class Meta:
        model = PackageDay

    package = factory.SubFactory(PackageFactory)
    day = factory.Sequence(lambda n: dt.date(2024, 1, 1) + dt.timedelta(days=n))


class PackageMonthFactory(_ClientsMixin):
    class Meta:
        model = PackageMonth

    package = factory.SubFactory(PackageFactory)
    month = factory.Sequence(lambda n: dt.date(2000 + n // 12, n % 12 + 1, 1))


class PackageYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageYear

    package = factory.SubFactory(PackageFactory)
    year = factory.Sequence(lambda n: 2000 + n)
    downloads = 70
    distinct_clients = 30


class CategoryDayFactory(_ClientsMixin):
    class Meta:
        model = CategoryDay

    category = factory.SubFactory(CategoryFactory)
    day = factory.Sequence(lambda n: dt.date(2024, 1, 1) + dt.timedelta(days=n))


class CategoryMonthFactory(_ClientsMixin):
    class Meta:
        model = CategoryMonth

    category = factory.SubFactory(CategoryFactory)
    month = factory.Sequence(lambda n: dt.date(2000 + n // 12, n % 12 + 1, 1))


class CategoryYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryYear

    category = factory.SubFactory(CategoryFactory)
    year = factory.Sequence(lambda n: 2000 + n)
    downloads = 70
    distinct_clients = 30


def add_fact(
    *,
    segment: LogSegment | None = None,
    package: Package | None = None,
    day: dt.date = dt.date(2024, 1, 1),
    client_ids: Sequence[int] = (1, 2, 3),
    downloads: int | None = None,
    mirror_downloads: int = 0,
    versions: dict[str, int] | None = None,
) -> Fact:
    """Write the facts of one package on one day in one segment, the way loaders do
    (``stats.services.bulk.insert_facts``), and return them as the selectors read them.

    ``client_ids`` become the clients bitmap, so a test can compute the expected distinct
    counts itself (len of a set union).
    """
    segment = segment or LogSegmentFactory()
    package = package or PackageFactory(registry=segment.registry)
    count = 2 * len(client_ids) if downloads is None else downloads
    fact = Fact(
        segment_id=segment.pk,
        package_id=package.pk,
        day=day,
        downloads=count,
        mirror_downloads=mirror_downloads,
        clients=bitmaps.to_bytes(client_ids),
        versions={"1.0.0": count} if versions is None else versions,
    )
    insert_facts([fact_row(fact)])
    return fact


def fact_row(fact: Fact) -> FactRow:
    """``insert_facts``' row of a fact."""
    return (fact.segment_id, *fact.values())


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.Organisation"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"org{n}")
    title = factory.LazyAttribute(lambda o: o.name.title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A viewer by default; pass ``role=Role.CURATOR`` or ``Role.ADMIN``."""

    class Meta:
        model = "stats.Membership"

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "viewer"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A stored token row; its secret is unknown (use services.accounts.token_create for one)."""

    class Meta:
        model = "stats.ApiToken"

    user = factory.SubFactory(UserFactory)
    prefix = "sst_test"
    digest = factory.Sequence(lambda n: f"{n:064x}")


class CommunitySourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.CommunitySource"
        django_get_or_create = ("registry",)

    registry = factory.SubFactory(RegistryFactory)
    github_organisation = factory.LazyAttribute(lambda o: o.registry.name)


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.Repository"

    registry = factory.SubFactory(RegistryFactory)
    name = factory.Sequence(lambda n: f"repo{n}")
    kind = "pipeline"


class RepositoryDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.RepositoryDay"

    repository = factory.SubFactory(RepositoryFactory)
    day = dt.date(2024, 3, 14)
    stars = 10
    forks = 3
    watchers = 5


class CommunityMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.CommunityMetric"

    registry = factory.SubFactory(RegistryFactory)
    name = "github_members"
    day = dt.date(2024, 3, 14)
    value = 100


class CollectionRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.CollectionRun"

    registry = factory.SubFactory(RegistryFactory)
    collector = "github"
    started_at = factory.LazyFunction(timezone.now)
    status = "ok"


class UptimeCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.UptimeCheck"

    registry = factory.SubFactory(RegistryFactory)
    url = "https://example.org"
    checked_at = factory.LazyFunction(timezone.now)
    status_code = 200
    latency_ms = 42
    available = True


class ContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.Contributor"

    repository = factory.SubFactory(RepositoryFactory)
    login = factory.Sequence(lambda n: f"person{n}")
    commits = 10


class ContributorWeekFactory(factory.django.DjangoModelFactory):
    """A week of GitHub's /stats/contributors (weeks start on Sundays)."""

    class Meta:
        model = "stats.ContributorWeek"

    contributor = factory.SubFactory(ContributorFactory)
    week = dt.date(2024, 3, 10)
    commits = 2
    additions = 40
    deletions = 8


class RepositoryIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stats.RepositoryIssue"

    repository = factory.SubFactory(RepositoryFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = "issue"
    author = "someone"
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
