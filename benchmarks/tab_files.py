"""Time to serve bioc_pkg_stats.tab at Bioconductor scale, uncached and cached.

Fills a PostgreSQL database (once; reused on later runs) with a registry of
``--packages`` packages in the bioc category, each with ``--years`` years of yearly
rows and all twelve monthly rows, then times the file through Django's request
handling (in process, no HTTP server):

- uncached: DummyCache, every request renders from the database;
- first cached request: renders and stores;
- cached: served from the response cache (process-local copy for large bodies),
  with the one generation query per request.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/stats_bench_tab \\
        python benchmarks/tab_files.py [--packages 3000] [--years 15] [--redis redis://...]

Not a test: it prints figures for the issue notes. Bioconductor's own system took
400-500 ms for this file on 5 million download rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REGISTRY = "tabbench"

sys.path.insert(0, str(REPO))
from benchmarks._fill.database import setup_django  # noqa: E402  (shared with benchmarks/api.py)


def fill(packages: int, years: int) -> int:
    """Create the registry and its summary rows unless already there; return the row count."""
    from django.db import connection, transaction

    from stats.models import Category, Package, PackageMonth, Registry

    registry = Registry.objects.filter(name=REGISTRY).first()
    if registry is not None and Package.objects.filter(registry=registry).count() == packages:
        return PackageMonth.objects.filter(package__registry=registry).count()
    Registry.objects.filter(name=REGISTRY).delete()
    last_year = 2025
    with transaction.atomic():
        registry = Registry.objects.create(name=REGISTRY, data_generation=1)
        category = Category.objects.create(registry=registry, name="bioc")
        Package.objects.bulk_create(
            Package(registry=registry, category=category, name=f"Pkg{i:05d}")
            for i in range(packages)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO stats_packageyear
                    (package_id, year, downloads, distinct_clients, clients)
                SELECT p.id, y, (random() * 200000)::int, (random() * 20000)::int, '\\x'::bytea
                FROM stats_package p, generate_series(%s, %s) AS y
                WHERE p.registry_id = %s
                """,
                [last_year - years + 1, last_year, registry.id],
            )
            cursor.execute(
                """
                INSERT INTO stats_packagemonth
                    (package_id, month, downloads, distinct_clients, clients)
                SELECT p.id, make_date(y, m, 1), (random() * 20000)::int,
                       (random() * 2000)::int, '\\x'::bytea
                FROM stats_package p, generate_series(%s, %s) AS y, generate_series(1, 12) AS m
                WHERE p.registry_id = %s
                """,
                [last_year - years + 1, last_year, registry.id],
            )
        Registry.objects.filter(pk=registry.pk).update(valid_through=f"{last_year}-12-31")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stats_packagemonth; ANALYZE stats_packageyear")
    return PackageMonth.objects.filter(package__registry=registry).count()


def timed(url: str, runs: int) -> tuple[list[float], int]:
    from django.test import Client

    client = Client()
    times = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        size = len(response.content)
    return times, size


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"{label:<34} n={len(times):<3} median {statistics.median(times) * 1000:8.1f} ms"
        f"   p99 {p99 * 1000:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=3000)
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--redis", default="", help="redis://... to use as the Django cache")
    args = parser.parse_args()
    setup_django()
    from django.core.cache import caches
    from django.test.utils import override_settings

    from stats.web.caching import clear_local_entries

    start = time.perf_counter()
    months = fill(args.packages, args.years)
    print(
        f"data: {args.packages} packages x {args.years} years = {months} monthly rows "
        f"(ready in {time.perf_counter() - start:.1f} s)"
    )
    url = f"/r/{REGISTRY}/packages/stats/bioc/bioc_pkg_stats.tab"
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy):
        times, size = timed(url, 3)
    print(f"file: {size / 1e6:.1f} MB")
    report("uncached (render from database)", times)
    cache = (
        {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": args.redis,
                "KEY_PREFIX": "tabbench",
            }
        }
        if args.redis
        else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    )
    with override_settings(CACHES=cache):
        caches["default"].clear()
        clear_local_entries()
        first, _ = timed(url, 1)
        report("first request (render + store)", first)
        cached, _ = timed(url, args.runs)
        report("cached (process-local copy)", cached)
        if args.redis:
            clear_local_entries()
            from_redis, _ = timed(url, 1)
            report("cached, fetched from Redis once", from_redis)
        caches["default"].clear()


if __name__ == "__main__":
    main()
