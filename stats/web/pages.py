"""The public HTML pages at Bioconductor's paths under /packages/stats/.

- ``/packages/stats/`` (and ``index.html``): the registry's categories with totals and
  its monthly downloads as a chart;
- ``/packages/stats/<dir>.html``: a category's top packages by download score and the
  A-Z list with scores, with a search box (``?q=``);
- ``/packages/stats/<dir>/<pkg>/``: a package's monthly downloads and distinct clients
  per year as a chart and tables, totals, score and rank, its .tab files and badges.

``<dir>`` is the category's directory as the .tab files use it (``data-annotation``
for ``annotation``...). The default registry (``STATS.tabfiles.default_registry``) is
served there, every public registry under ``/r/<registry>/packages/stats/``. Numbers
come from the selectors the REST API uses; pages are cached by data generation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from stats.models import Category, Package, Registry
from stats.selectors.access import request_user
from stats.selectors.packages import PackageOrder, category_detail, package_detail, package_list
from stats.selectors.pages import BadgeKind, ranked_package_count, registry_summary
from stats.selectors.registries import get_category, get_package, resolve_registry
from stats.web.caching import cache_response
from stats.web.pages_data import (
    alphabet_groups,
    category_links,
    chart_months,
    year_tables,
)
from stats.web.tabfiles import category_directory, category_for_directory

TOP_PACKAGES = 75
"""Bioconductor's category pages list the top 75 packages by download score."""
SEARCH_MAX_LENGTH = 200


def _registry_name(request: HttpRequest, kwargs: dict[str, Any]) -> str:
    return kwargs.get("registry") or settings.STATS.tabfiles.default_registry


def _registry(request: HttpRequest, name: str | None) -> Registry:
    return resolve_registry(
        name or settings.STATS.tabfiles.default_registry, user=request_user(request)
    )


def page_url(view: str, registry: Registry, **kwargs: str) -> str:
    """A page's path: under /packages/stats/ for the default registry, else /r/<name>/."""
    if registry.name == settings.STATS.tabfiles.default_registry:
        return reverse(f"pages:{view}", kwargs=kwargs)
    return reverse(f"pages:r-{view}", kwargs={"registry": registry.name, **kwargs})


def _tab_url(registry: Registry, **kwargs: str) -> str:
    if registry.name == settings.STATS.tabfiles.default_registry:
        return reverse("tabfiles:package-file", kwargs=kwargs)
    return reverse("tabfiles:registry-package-file", kwargs={"registry": registry.name, **kwargs})


def _tab_urls(registry: Registry, directory: str) -> Callable[[str], str]:
    """File name -> URL of that file of the category directory."""
    return lambda filename: _category_tab_url(registry, directory=directory, filename=filename)


def _category_tab_url(registry: Registry, **kwargs: str) -> str:
    if registry.name == settings.STATS.tabfiles.default_registry:
        return reverse("tabfiles:category-file", kwargs=kwargs)
    return reverse("tabfiles:registry-category-file", kwargs={"registry": registry.name, **kwargs})


def _category_from_directory(registry: Registry, directory: str) -> tuple[Category, bool]:
    """The category a URL directory names, and whether the directory is its canonical one.

    ``annotation.html`` is accepted for ``data-annotation.html`` (redirected there).
    """
    name = category_for_directory(directory)
    if name is not None:
        return get_category(registry, name), True
    category = get_category(registry, directory)
    return category, category_directory(category.name) == directory


def _base_context(registry: Registry) -> dict[str, object]:
    return {
        "registry": registry,
        "registry_url": page_url("registry-index", registry),
        "api_url": reverse("api-v1:openapi-view"),
    }


@cache_response(_registry_name, vary_on_accept=False)
def registry_index(request: HttpRequest, registry: str | None = None) -> HttpResponse:
    """Categories with totals and the monthly downloads of the whole registry."""
    found = _registry(request, registry)
    summary = registry_summary(found)
    categories = []
    for category in summary["categories"]:
        directory = category_directory(category["name"])
        categories.append(
            {
                **category,
                "url": page_url("category-index", found, directory=directory),
                "links": category_links(_tab_urls(found, directory), category["name"]),
            }
        )
    chart = {
        "labels": summary["months"],
        "datasets": [
            {"label": name, "data": values}
            for name, values in summary["monthly_by_category"].items()
        ],
        "stacked": True,
        "y_title": "Downloads per month",
    }
    context = {
        **_base_context(found),
        "summary": summary,
        "categories": categories,
        "chart": chart,
        "table_rows": list(zip(summary["months"], summary["monthly_totals"], strict=True)),
    }
    return render(request, "stats/registry_index.html", context)


@cache_response(_registry_name, vary_on_accept=False)
def category_index(
    request: HttpRequest, directory: str, registry: str | None = None
) -> HttpResponse:
    """Top packages by download score and the A-Z list with scores; ``?q=`` searches names."""
    found = _registry(request, registry)
    category, canonical = _category_from_directory(found, directory)
    url = page_url("category-index", found, directory=category_directory(category.name))
    if not canonical:
        return HttpResponseRedirect(url, status=301)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    top = list(package_list(found, category=category.name, order=PackageOrder.SCORE)[:TOP_PACKAGES])
    matching = list(
        package_list(
            found, category=category.name, name_contains=query or None, order=PackageOrder.NAME
        )
    )
    for row in (*top, *matching):
        row["url"] = page_url(
            "package", found, directory=category_directory(category.name), package=row["name"]
        )
    detail = category_detail(category)
    months = chart_months(detail["monthly"], found.valid_through)
    context = {
        **_base_context(found),
        "category": category,
        "directory": category_directory(category.name),
        "page_url": url,
        "query": query,
        "top": [row for row in top if row["download_score"] > 0],
        "groups": alphabet_groups(matching),
        "matching_count": len(matching),
        "detail": detail,
        "chart": _series_chart(months),
        "months": months,
        "links": category_links(_tab_urls(found, category_directory(category.name)), category.name),
    }
    return render(request, "stats/category_index.html", context)


def _series_chart(months: list[dict[str, object]]) -> dict[str, object]:
    return {
        "labels": [m["month"] for m in months],
        "datasets": [
            {"label": "Downloads", "data": [m["downloads"] for m in months], "type": "bar"},
            {
                "label": "Distinct clients",
                "data": [m["distinct_clients"] for m in months],
                "type": "line",
            },
        ],
        "stacked": False,
        "y_title": "Per month",
    }


def _badges(request: HttpRequest, registry: Registry, package: Package, url: str) -> list[dict]:
    page = request.build_absolute_uri(url)
    badges = []
    for kind, title in (
        (BadgeKind.LAST_MONTH, "Downloads in the last 30 days"),
        (BadgeKind.TOTAL, "Downloads of all time"),
        (BadgeKind.CLIENTS, "Distinct clients in the last 30 days"),
    ):
        kwargs = {"registry": registry.name, "package": package.name}
        path = (
            reverse("pages:badge", kwargs=kwargs)
            if kind == BadgeKind.LAST_MONTH
            else reverse("pages:badge-kind", kwargs={**kwargs, "kind": kind.value})
        )
        image = request.build_absolute_uri(path)
        badges.append(
            {
                "title": title,
                "path": path,
                "markdown": f"[![{title}]({image})]({page})",
                "html": f'<a href="{page}"><img src="{image}" alt="{title}"></a>',
            }
        )
    return badges


@cache_response(_registry_name, vary_on_accept=False)
def package_page(
    request: HttpRequest, directory: str, package: str, registry: str | None = None
) -> HttpResponse:
    """Monthly downloads and distinct clients per year, totals, score, rank, files, badges."""
    found = _registry(request, registry)
    category, _ = _category_from_directory(found, directory)
    try:
        found_package = get_package(found, package)
    except Http404:
        raise Http404(f"No package {package!r} in {found.name}/{category.name}") from None
    canonical = category_directory(found_package.category.name)
    url = page_url("package", found, directory=canonical, package=found_package.name)
    if canonical != directory:
        return HttpResponseRedirect(url, status=301)
    detail = package_detail(found_package)
    months = chart_months(detail["monthly"], found.valid_through)
    tables = year_tables(detail["monthly"], detail["yearly"])
    name = found_package.name
    for table in tables:
        table["tab_url"] = _tab_url(
            found, directory=canonical, package=name, filename=f"{name}_{table['year']}_stats.tab"
        )
    context = {
        **_base_context(found),
        "category": found_package.category,
        "category_url": page_url("category-index", found, directory=canonical),
        "package": found_package,
        "detail": detail,
        "ranked": ranked_package_count(found),
        "chart": _series_chart(months),
        "years": tables,
        "tab_url": _tab_url(found, directory=canonical, package=name, filename=f"{name}_stats.tab"),
        "api_package_url": reverse(
            "api-v1:package", kwargs={"registry": found.name, "package": name}
        ),
        "badges": _badges(request, found, found_package, url),
    }
    return render(request, "stats/package.html", context)
