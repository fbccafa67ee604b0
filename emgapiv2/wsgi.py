"""WSGI entry point (granian/gunicorn emgapiv2.wsgi:application): Django behind the front
response cache."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
django_application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402  (needs Django set up)

from emgapiv2.front_cache import with_front_cache  # noqa: E402

# Import the URLconf and every view module now (~1.5 s: Ninja's routers, GraphQL's schema)
# so that a worker pays it when it starts, not on its first request.
_URL_PATTERNS = get_resolver().url_patterns

application = with_front_cache(django_application)
