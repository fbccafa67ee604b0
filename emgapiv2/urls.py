"""URL map: the API under /api/v1/, the admin, and the public pages."""

from django.contrib import admin
from django.urls import include, path

from emgapiv2.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("stats.web.urls")),
    path("", include("stats.web.pages_urls")),
]
