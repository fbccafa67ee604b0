"""WSGI entry point (gunicorn emgapiv2.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
application = get_wsgi_application()
