"""URL map: the API under /api/v1/, the admin, and the public pages."""

from django.contrib import admin
from django.urls import include, path

from emgapiv2.api import api
from stats.graphql.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("graphql", graphql_view, name="graphql"),
    path("", include("stats.web.urls")),
    path("", include("stats.web.pages_urls")),
]
