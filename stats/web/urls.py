"""Bioconductor-compatible files: /packages/stats/... and /r/<registry>/packages/stats/..."""

from __future__ import annotations

from django.urls import re_path
from django.urls.resolvers import URLPattern

from stats.web import tabfiles

app_name = "tabfiles"

_PACKAGE_FILE = r"(?P<directory>[^/]+)/(?P<package>[^/]+)/(?P<filename>[^/]+\.tab)$"
_CATEGORY_FILE = r"(?P<directory>[^/]+)/(?P<filename>[^/]+\.(?:tab|txt))$"


def _tab_patterns(start: str, name_prefix: str) -> list[URLPattern]:
    return [
        re_path(start + _PACKAGE_FILE, tabfiles.package_file, name=f"{name_prefix}package-file"),
        re_path(start + _CATEGORY_FILE, tabfiles.category_file, name=f"{name_prefix}category-file"),
    ]


urlpatterns = [
    *_tab_patterns(r"^packages/stats/", ""),
    *_tab_patterns(r"^r/(?P<registry>[-a-zA-Z0-9_]+)/packages/stats/", "registry-"),
]
