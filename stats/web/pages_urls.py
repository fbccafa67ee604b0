"""Public pages (Bioconductor's paths) and badges; namespace ``pages``.

Kept apart from :mod:`stats.web.urls` (the .tab files, namespace ``tabfiles``): the
page paths never end in ``.tab``/``.txt``, so the two sets cannot shadow each other.
"""

from __future__ import annotations

from django.urls import path, re_path
from django.urls.resolvers import URLPattern

from stats.web import badges, community_pages, pages

app_name = "pages"

_REGISTRY = r"^r/(?P<registry>[-a-zA-Z0-9_]+)/packages/stats/"
_DIRECTORY = r"(?P<directory>[-a-zA-Z0-9_.]+)"
_PACKAGE = r"(?P<package>[^/]+)"


def _page_patterns(start: str, prefix: str) -> list[URLPattern]:
    return [
        re_path(start + r"(?:index\.html)?$", pages.registry_index, name=f"{prefix}registry-index"),
        re_path(
            start + _DIRECTORY + r"\.html$", pages.category_index, name=f"{prefix}category-index"
        ),
        re_path(
            start + _DIRECTORY + "/" + _PACKAGE + "/$", pages.package_page, name=f"{prefix}package"
        ),
        re_path(start + r"community/$", community_pages.community_page, name=f"{prefix}community"),
    ]


urlpatterns = [
    *_page_patterns(r"^packages/stats/", ""),
    *_page_patterns(_REGISTRY, "r-"),
    path("badge/<str:registry>/<str:package>", badges.badge, name="badge"),
    path("badge/<str:registry>/<str:package>/<str:kind>", badges.badge, name="badge-kind"),
]
