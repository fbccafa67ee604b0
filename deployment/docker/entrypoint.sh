#!/bin/sh
# "app": apply migrations, collect static files into the data volume, serve with granian.
# Anything else runs as given (prefect server start ..., prefect worker start ..., python manage.py ...).
#
# granian (Rust HTTP/1.1 with keep-alive, WSGI interface): one Python thread per worker, as a
# gunicorn sync worker has, without gunicorn's per-request Python HTTP parsing and new
# connection, which alone caps a 2-core host near 2,400 req/s (benchmarks/api.py --server).
set -eu

if [ "${1:-app}" = "app" ]; then
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
    exec granian --interface wsgi emgapiv2.wsgi:application \
        --host 0.0.0.0 \
        --port 8000 \
        --workers "${WEB_WORKERS:-3}" \
        --blocking-threads 1 \
        --respawn-failed-workers \
        --access-log
fi
exec "$@"
