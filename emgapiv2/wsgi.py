"""WSGI entry point (granian/gunicorn emgapiv2.wsgi:application): Django behind the front
response cache."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
django_application = get_wsgi_application()

from emgapiv2.front_cache import with_front_cache  # noqa: E402  (needs Django set up)

application = with_front_cache(django_application)
