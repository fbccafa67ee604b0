"""ASGI entry point (uvicorn emgapiv2.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
application = get_asgi_application()
