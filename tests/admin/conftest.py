"""Fixtures for the admin tests: one row of every model the admin shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Model

from stats import models
from tests import factories

# A factory for every model registered in the stats admin; a model registered
# without an entry here makes test_every_registered_model_has_a_factory fail.
FACTORIES: dict[type[Model], Callable[..., Model]] = {
    models.Registry: factories.RegistryFactory,
    models.Category: factories.CategoryFactory,
    models.Package: factories.PackageFactory,
    models.UnknownPackage: factories.UnknownPackageFactory,
    models.LogSegment: factories.LogSegmentFactory,
    models.PackageDay: factories.PackageDayFactory,
    models.PackageMonth: factories.PackageMonthFactory,
    models.PackageYear: factories.PackageYearFactory,
    models.CategoryDay: factories.CategoryDayFactory,
    models.CategoryMonth: factories.CategoryMonthFactory,
    models.CategoryYear: factories.CategoryYearFactory,
    models.CommunitySource: factories.CommunitySourceFactory,
    models.Repository: factories.RepositoryFactory,
    models.RepositoryDay: factories.RepositoryDayFactory,
    models.CommunityMetric: factories.CommunityMetricFactory,
    models.CollectionRun: factories.CollectionRunFactory,
    models.UptimeCheck: factories.UptimeCheckFactory,
    models.Organisation: factories.OrganisationFactory,
    models.Membership: factories.MembershipFactory,
    models.ApiToken: factories.ApiTokenFactory,
}


@pytest.fixture
def make_rows() -> Callable[[type[Model], int], list[Model]]:
    """``make_rows(Model, n)``: n rows, each under a registry/category/package of its own."""

    def make(model: type[Model], count: int) -> list[Model]:
        rows = [FACTORIES[model]() for _ in range(count)]
        if model is models.Package:
            for package in rows:
                factories.PackageVersionFactory.create_batch(2, package=package)
        return rows

    return make
