"""The .tab/.txt files at the paths www.bioconductor.org serves under /packages/stats/.

URL layout (``<dir>`` is the category's directory, ``<prefix>`` its file prefix; see
:data:`CATEGORY_DIRECTORIES`):

- ``<dir>/<pkg>/<pkg>_stats.tab`` and ``<dir>/<pkg>/<pkg>_<year>_stats.tab``
- ``<dir>/<prefix>_stats.tab`` and ``<dir>/<prefix>_<year>_stats.tab`` (whole category)
- ``<dir>/<prefix>_pkg_stats.tab`` (every package) and ``<dir>/<prefix>_pkg_scores.tab``
- ``<dir>/<prefix>_packages.txt`` (Bioconductor has only ``bioc/bioc_packages.txt``)

Served for the registry ``STATS.tabfiles.default_registry`` at ``/packages/stats/`` and
for any public registry at ``/r/<registry>/packages/stats/``. Each file is read in one
database snapshot, so during a recomputation a reader gets the old file or the new one,
and is cached by the registry's data generation (see :mod:`stats.web.caching`).
A known package or category with no downloads (in that year) gives just the header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from stats.selectors import tabfiles as selectors
from stats.selectors.access import request_user
from stats.web import caching, tabformat
from stats.web.caching import cache_response

#: Category name -> URL directory where they differ (Bioconductor's layout: the
#: annotation and experiment data packages live under data-annotation/ and
#: data-experiment/; bioc and workflows, and every other registry's categories, use
#: their own name). The file prefix is always the category name: bioc_pkg_stats.tab,
#: annotation_pkg_stats.tab, experiment_pkg_stats.tab, workflows_pkg_stats.tab.
CATEGORY_DIRECTORIES = {"annotation": "data-annotation", "experiment": "data-experiment"}
_CATEGORY_FOR_DIRECTORY = {directory: name for name, directory in CATEGORY_DIRECTORIES.items()}

CONTENT_TYPE = "text/plain; charset=utf-8"
#: Entries are keyed by data generation, so they never go stale; this only bounds memory.
CACHE_SECONDS = 7 * 24 * 3600

#: ASCII digits only (``\d`` also takes other scripts' digits), and no year 0: dates
#: start at year 1, so ``_0000_stats.tab`` failed as a 500.
_YEAR = r"(?P<year>(?!0000)[0-9]{4})"


def category_directory(category: str) -> str:
    """The URL directory of a category."""
    return CATEGORY_DIRECTORIES.get(category, category)


def category_for_directory(directory: str) -> str | None:
    """The category served under a URL directory (None for a non-canonical directory)."""
    name = _CATEGORY_FOR_DIRECTORY.get(directory, directory)
    return name if category_directory(name) == directory else None


def _registry_name(request: HttpRequest, kwargs: dict[str, Any]) -> str:
    return kwargs.get("registry") or settings.STATS.tabfiles.default_registry


def _not_found(message: str) -> HttpResponse:
    return HttpResponse(f"Not found: {message}\n", status=404, content_type=CONTENT_TYPE)


def _serve(
    request: HttpRequest,
    registry: str,
    directory: str,
    render: Callable[[selectors.RegistryState, int], str | None],
) -> HttpResponse:
    """Resolve registry (as the request's user may see it) and category, then render,
    all in one snapshot."""
    category = category_for_directory(directory)
    with selectors.consistent_read():
        state = selectors.registry_state(registry, user=request_user(request))
        if state is None:
            return _not_found(f"no registry {registry!r}")
        category_id = category and selectors.category_id(registry_id=state.id, name=category)
        if not category_id:
            return _not_found(f"no category directory {directory!r} in {registry}")
        text = render(state, category_id)
    if text is None:
        return _not_found("no such file")
    response = HttpResponse(text, content_type=CONTENT_TYPE)
    response.data_generation = state.data_generation  # type: ignore[attr-defined]
    return response


@cache_response(_registry_name, timeout=CACHE_SECONDS, vary_on_accept=False)
def package_file(
    request: HttpRequest, directory: str, package: str, filename: str, registry: str | None = None
) -> HttpResponse:
    """``<dir>/<pkg>/<pkg>_stats.tab`` and ``<dir>/<pkg>/<pkg>_<year>_stats.tab``."""
    match = re.fullmatch(rf"{re.escape(package)}(?:_{_YEAR})?_stats\.tab", filename)
    if match is None:
        return _not_found(filename)
    year = int(match["year"]) if match["year"] else None

    def render(state: selectors.RegistryState, category_id: int) -> str | None:
        package_id = selectors.package_id(category_id=category_id, name=package)
        if package_id is None:
            return None
        return tabformat.series_tab(*selectors.package_series(package_id=package_id, year=year))

    return _serve(request, registry or settings.STATS.tabfiles.default_registry, directory, render)


def _packages_series(category_id: int) -> str:
    """``<prefix>_pkg_stats.tab``: the kept year lines joined (see
    :mod:`stats.services.tab_lines`); rendered from the months if there are none (rows
    written without the aggregation)."""
    kept = selectors.category_package_year_lines(category_id=category_id)
    if kept:
        return tabformat.packages_series_from_lines(kept)
    return tabformat.packages_series_tab(
        selectors.category_package_names(category_id=category_id),
        selectors.category_package_years(category_id=category_id),
        selectors.category_package_months(category_id=category_id),
    )


def _category_renderer(filename: str, prefix: str) -> Callable[[int], str] | None:
    """What a category-level file name asks for, or None."""
    if filename == f"{prefix}_pkg_stats.tab":
        return _packages_series
    if filename == f"{prefix}_pkg_scores.tab":
        return lambda category_id: tabformat.scores_tab(
            selectors.category_package_scores(category_id=category_id)
        )
    if filename == f"{prefix}_packages.txt":
        return lambda category_id: tabformat.names_txt(
            selectors.category_package_names(category_id=category_id).values()
        )
    match = re.fullmatch(rf"{re.escape(prefix)}(?:_{_YEAR})?_stats\.tab", filename)
    if match is None:
        return None
    year = int(match["year"]) if match["year"] else None
    return lambda category_id: tabformat.series_tab(
        *selectors.category_series(category_id=category_id, year=year)
    )


@cache_response(_registry_name, timeout=CACHE_SECONDS, vary_on_accept=False)
def category_file(
    request: HttpRequest, directory: str, filename: str, registry: str | None = None
) -> HttpResponse:
    """The category-level files: series, per-package series, scores, package names."""
    category = category_for_directory(directory)
    build = category and _category_renderer(filename, prefix=category)
    if not build:
        return _not_found(f"{directory}/{filename}")
    return _serve(
        request,
        registry or settings.STATS.tabfiles.default_registry,
        directory,
        lambda state, category_id: build(category_id),
    )


def warm_tab_files(*, registry: str) -> list[str]:
    """Render each category's large files into the cache for the current generation.

    Call after a refresh (e.g. at the end of the refresh flow) so that no reader pays
    for rendering ``bioc_pkg_stats.tab`` (seconds at Bioconductor scale; milliseconds
    once cached). Returns the paths warmed. Needs a shared cache (Redis) to help the
    web processes.
    """
    default = registry == settings.STATS.tabfiles.default_registry
    warmed = []
    for category in selectors.category_names(registry):
        directory = category_directory(category)
        for filename in (f"{category}_pkg_stats.tab", f"{category}_pkg_scores.tab"):
            kwargs = {"directory": directory, "filename": filename}
            if not default:
                kwargs["registry"] = registry
            request = HttpRequest()
            request.method = "GET"
            request.path = request.path_info = reverse(
                "tabfiles:category-file" if default else "tabfiles:registry-category-file",
                kwargs=kwargs,
            )
            caching.store_pending(category_file(request, **kwargs))
            warmed.append(request.path)
    return warmed
