"""Registries, their packages and categories: lists, totals and monthly/yearly series."""

# No ``from __future__ import annotations``: @paginate wraps the view, and Ninja must
# evaluate its annotations outside this module.
import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from stats.api.common import (
    FORMAT_DESCRIPTION,
    BoundedPageNumberPagination,
    DictSchema,
    OutputFormat,
    csv_response,
    registry_or_error,
    vary_on_accept,
    wants_csv,
)
from stats.selectors.access import request_user
from stats.selectors.packages import (
    PackageOrder,
    Series,
    category_detail,
    package_detail,
    package_list,
)
from stats.selectors.registries import get_category, get_package, registry_overview

router = Router(tags=["registries"])

FormatQuery = Query(None, alias="format", description=FORMAT_DESCRIPTION)
OrderQuery = Query(PackageOrder.DOWNLOADS, description="downloads (all-time), score or name")


class RegistryOut(Schema):
    name: str = Field(..., examples=["bioconductor"])
    title: str = Field(..., examples=["Bioconductor"])
    valid_through: dt.date | None = Field(
        ..., description="Last complete day of counted downloads.", examples=["2024-03-31"]
    )
    data_generation: int = Field(
        ..., description="Bumped at every refresh of the numbers.", examples=[42]
    )
    packages: int = Field(..., examples=[5994])
    categories: list[str] = Field(..., examples=[["annotation", "bioc", "experiment"]])
    timezone: str = Field(..., examples=["America/New_York"])


class PackageRow(Schema):
    name: str = Field(..., examples=["limma"])
    category: str = Field(..., examples=["bioc"])
    downloads_total: int = Field(..., examples=[1234567])
    download_score: int = Field(
        ...,
        description="Monthly distinct clients averaged over the last 12 complete months.",
        examples=[8123],
    )
    rank: int | None = Field(..., description="1 = highest score of the registry.", examples=[3])
    active: bool = Field(..., examples=[True])

    @staticmethod
    def resolve_category(obj: dict[str, object]) -> object:
        return obj["category_name"]


class MonthCount(DictSchema):
    month: str = Field(..., examples=["2024-01"])
    downloads: int = Field(..., examples=[10452])
    distinct_clients: int = Field(..., examples=[2981])


class YearCount(DictSchema):
    year: int = Field(..., examples=[2024])
    downloads: int = Field(..., examples=[120345])
    distinct_clients: int = Field(..., examples=[30112])


class VersionCount(DictSchema):
    version: str = Field(..., examples=["3.58.1"])
    downloads: int = Field(..., examples=[5012])
    first_day: dt.date | None = Field(..., examples=["2023-10-25"])
    last_day: dt.date | None = Field(..., examples=["2024-04-30"])


class PackageOut(DictSchema):
    registry: str = Field(..., examples=["bioconductor"])
    name: str = Field(..., examples=["limma"])
    category: str = Field(..., examples=["bioc"])
    active: bool
    first_release: str = Field(..., examples=["3.0"])
    last_release: str = Field(..., examples=[""])
    download_score: int = Field(..., examples=[8123])
    rank: int | None = Field(..., examples=[3])
    downloads_total: int = Field(..., examples=[1234567])
    distinct_clients_total: int = Field(
        ..., description="Distinct clients over all time (exact union).", examples=[401223]
    )
    monthly: list[MonthCount]
    yearly: list[YearCount]
    versions: list[VersionCount]


class CategoryOut(DictSchema):
    registry: str = Field(..., examples=["bioconductor"])
    name: str = Field(..., examples=["bioc"])
    packages: int = Field(..., examples=[2807])
    downloads_total: int = Field(..., examples=[98765432])
    distinct_clients_total: int = Field(
        ...,
        description="Distinct clients of any package of the category: a union, not a sum.",
        examples=[3456789],
    )
    monthly: list[MonthCount]
    yearly: list[YearCount]


def _series_csv(stem: str, detail: Series) -> HttpResponse:
    rows = [[m["month"], m["downloads"], m["distinct_clients"]] for m in detail["monthly"]]
    rows += [[y["year"], y["downloads"], y["distinct_clients"]] for y in detail["yearly"]]
    return csv_response(stem, ["period", "downloads", "distinct_clients"], rows)


@router.get(
    "/registries",
    response=list[RegistryOut],
    operation_id="registries_list",
    summary="Public registries",
    description="Every public registry with its categories, package count, the last "
    "complete day of its numbers (`valid_through`) and its data generation.",
)
def registries(request: HttpRequest) -> object:
    return registry_overview(user=request_user(request))


@router.get(
    "/registries/{registry}/packages",
    response=list[PackageRow],
    operation_id="registry_packages",
    summary="Packages of a registry",
    description="Paginated (`page`, `page_size`), filtered by `category` and by a name "
    "substring (`q`, case-insensitive), ordered by `downloads` (all-time), `score` or "
    "`name`. Example: `/api/v1/registries/bioconductor/packages?category=bioc&order=score`.",
)
@paginate(BoundedPageNumberPagination, page_size=settings.STATS.api.page_size, max_page_size=1000)
def packages(
    request: HttpRequest,
    registry: str,
    category: str | None = Query(None, examples=["bioc"]),
    q: str | None = Query(None, max_length=200, description="Name contains", examples=["lim"]),
    order: PackageOrder = OrderQuery,
) -> object:
    found = registry_or_error(request, registry)
    return package_list(found, category=category, name_contains=q, order=order)


@router.get(
    "/registries/{registry}/packages/{package}",
    response=PackageOut,
    operation_id="registry_package",
    summary="A package: totals, monthly and yearly series, score, rank, versions",
    description="Downloads and exact distinct clients per month and per year, all-time "
    "totals, the download score and rank, and downloads per version. "
    "`?format=csv` returns the series as rows `period,downloads,distinct_clients` (months "
    "as YYYY-MM, then years). Example: `/api/v1/registries/bioconductor/packages/limma`.",
)
def package(
    request: HttpRequest,
    response: HttpResponse,
    registry: str,
    package: str,
    output: OutputFormat | None = FormatQuery,
) -> object:
    found = registry_or_error(request, registry)
    detail = package_detail(get_package(found, package))
    vary_on_accept(response)
    if wants_csv(request, output):
        return _series_csv(f"{found.name}_{package}", detail)
    return {"registry": found.name, **detail}


@router.get(
    "/registries/{registry}/categories/{category}",
    response=CategoryOut,
    operation_id="registry_category",
    summary="A category: totals and monthly and yearly series",
    description="Downloads and distinct clients of all packages of the category; a client "
    "of several of its packages counts once. `?format=csv` as for a package. "
    "Example: `/api/v1/registries/bioconductor/categories/bioc`.",
)
def category(
    request: HttpRequest,
    response: HttpResponse,
    registry: str,
    category: str,
    output: OutputFormat | None = FormatQuery,
) -> object:
    found = registry_or_error(request, registry)
    detail = category_detail(get_category(found, category))
    vary_on_accept(response)
    if wants_csv(request, output):
        return _series_csv(f"{found.name}_{category}", detail)
    return {"registry": found.name, **detail}
