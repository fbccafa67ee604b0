#!/bin/sh
# "app": apply migrations, collect static files into the data volume, serve with gunicorn.
# Anything else runs as given (prefect server start ..., prefect worker start ..., python manage.py ...).
set -eu

if [ "${1:-app}" = "app" ]; then
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
    exec gunicorn emgapiv2.wsgi:application \
        --bind 0.0.0.0:8000 \
        --workers "${GUNICORN_WORKERS:-3}" \
        --timeout "${GUNICORN_TIMEOUT:-60}" \
        --access-logfile -
fi
exec "$@"
