"""Summaries are read-only views with registry/category filters and date drill-down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from stats import models
from tests.admin.conftest import FACTORIES
from tests.factories import (
    CategoryDayFactory,
    CategoryFactory,
    PackageDayFactory,
    PackageFactory,
    PackageMonthFactory,
    PackageYearFactory,
    RegistryFactory,
)

pytestmark = pytest.mark.django_db

SUMMARIES = [
    models.PackageDay,
    models.PackageMonth,
    models.PackageYear,
    models.CategoryDay,
    models.CategoryMonth,
    models.CategoryYear,
]


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:stats_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", SUMMARIES, ids=lambda m: m.__name__)
def test_summaries_refuse_add_change_delete(admin_client: Client, model: type[Model]) -> None:
    row = FACTORIES[model]()
    before = row.downloads
    assert admin_client.get(_url(model, "add")).status_code == 403
    change = _url(model, "change", row.pk)
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"downloads": before + 1000}).status_code == 403
    assert admin_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.downloads == before
    listing = admin_client.get(_url(model, "changelist"))
    assert "delete_selected" not in listing.content.decode()
    assert _url(model, "add") not in listing.content.decode()


def test_package_day_filters_search_and_date_drilldown(admin_client: Client) -> None:
    bioc = RegistryFactory(name="bioconductor")
    nfcore = RegistryFactory(name="nf-core")
    software = CategoryFactory(registry=bioc, name="bioc")
    annotation = CategoryFactory(registry=bioc, name="annotation")
    deseq = PackageFactory(registry=bioc, category=software, name="DESeq2")
    orgdb = PackageFactory(registry=bioc, category=annotation, name="org.Hs.eg.db")
    rnaseq = PackageFactory(registry=nfcore, name="rnaseq")
    rows = {
        "deseq-jan": PackageDayFactory(package=deseq, day=dt.date(2024, 1, 5), downloads=11),
        "deseq-feb": PackageDayFactory(package=deseq, day=dt.date(2024, 2, 5), downloads=12),
        "orgdb-jan": PackageDayFactory(package=orgdb, day=dt.date(2024, 1, 6), downloads=13),
        "rnaseq-jan": PackageDayFactory(package=rnaseq, day=dt.date(2023, 1, 7), downloads=14),
    }
    url = _url(models.PackageDay, "changelist")

    def found(**params: object) -> set[str]:
        response = admin_client.get(url, params)
        assert response.status_code == 200
        pks = {r.pk for r in response.context["cl"].result_list}
        return {name for name, row in rows.items() if row.pk in pks}

    assert found(q="deseq") == {"deseq-jan", "deseq-feb"}
    assert found(package__registry__id__exact=nfcore.pk) == {"rnaseq-jan"}
    assert found(package__category__id__exact=annotation.pk) == {"orgdb-jan"}
    assert found(day__year=2024, day__month=1) == {"deseq-jan", "orgdb-jan"}
    html = admin_client.get(url, {"q": "DESeq2"}).content.decode()
    assert '<td class="field-registry">bioconductor</td>' in html
    assert '<td class="field-category">bioc</td>' in html


def test_month_and_year_lists(admin_client: Client) -> None:
    package = PackageFactory(name="limma")
    PackageMonthFactory(package=package, month=dt.date(2024, 3, 1), downloads=300)
    PackageMonthFactory(package=package, month=dt.date(2023, 3, 1), downloads=200)
    PackageYearFactory(package=package, year=2024, downloads=3000, distinct_clients=777)
    months = admin_client.get(
        _url(models.PackageMonth, "changelist"), {"month__year": 2024}
    ).context["cl"]
    assert [m.downloads for m in months.result_list] == [300]
    years = admin_client.get(_url(models.PackageYear, "changelist"), {"year": 2024})
    assert [(y.downloads, y.distinct_clients) for y in years.context["cl"].result_list] == [
        (3000, 777)
    ]


def test_category_day_filtered_by_registry(admin_client: Client) -> None:
    bioc = CategoryFactory(registry=RegistryFactory(name="bioconductor"), name="bioc")
    pipelines = CategoryFactory(registry=RegistryFactory(name="nf-core"), name="pipelines")
    CategoryDayFactory(category=bioc, downloads=5)
    mine = CategoryDayFactory(category=pipelines, downloads=6)
    response = admin_client.get(
        _url(models.CategoryDay, "changelist"),
        {"category__registry__id__exact": pipelines.registry_id},
    )
    assert [r.pk for r in response.context["cl"].result_list] == [mine.pk]
    assert "nf-core/pipelines" in response.content.decode()
