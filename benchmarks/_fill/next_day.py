"""A day after the filled history: its facts as ingestion writes them, and the timed refresh."""

from __future__ import annotations

import datetime as dt
import random
import time

from benchmarks._fill.plan import Plan, day_rows, version_label, version_step


def new_day_facts(plan: Plan, index: int) -> list[tuple[int, dt.date, int, bytes, dict[str, int]]]:
    """A day after the history, as facts: (package, day, downloads, clients, versions)."""
    rng = random.Random(f"{plan.seed}:day:{index}")
    day = plan.day(index)
    facts = []
    for package, downloads, ids in day_rows(plan, index, rng):
        ids.run_optimize()
        version = version_label(version_step(package, index))
        facts.append((package.id, day, downloads, ids.serialize(), {version: downloads}))
    return facts


def measure_refresh(plan: Plan) -> tuple[float, str, int]:
    """Append the next day's facts as ingestion would, then time the incremental refresh."""

    from django.db import transaction

    from stats.logparse.content_hash import content_hash
    from stats.models import LogSegment, Registry, SegmentStatus
    from stats.services.aggregation import refresh_registry_stats
    from stats.services.bulk import insert_facts

    registry = Registry.objects.get(name="bioconductor")
    if registry.valid_through is None:
        raise SystemExit("the registry has no facts yet: fill it first")
    index = (registry.valid_through - plan.start).days + 1
    facts = new_day_facts(plan, index)
    day = plan.day(index)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    with transaction.atomic():
        segment = LogSegment.objects.create(
            registry=registry,
            source=f"/var/log/bioc/access.log-{day:%Y%m%d}",
            start_offset=0,
            end_offset=len(facts) * 180,
            content_hash=content_hash(str(day).encode()),
            status=SegmentStatus.DONE,
            lines=len(facts) * 3,
            downloads=sum(f[2] for f in facts),
            first_line_at=midnight + dt.timedelta(seconds=4),
            last_line_at=midnight + dt.timedelta(days=1, seconds=30),  # rotated after midnight
            started_at=midnight + dt.timedelta(days=1, minutes=5),
            finished_at=midnight + dt.timedelta(days=1, minutes=6),
        )
        insert_facts((segment.pk, p, d, n, 0, ids, v) for p, d, n, ids, v in facts)
    vacuum_summaries()
    start = time.perf_counter()
    result = refresh_registry_stats(registry=registry)
    return time.perf_counter() - start, result.summary(), len(facts)


def vacuum_summaries() -> None:
    """VACUUM (ANALYZE) the tables a refresh writes, as autovacuum keeps them on a server
    that runs it (this one may not: then each --reuse run would leave the dead rows of
    the last refresh, and the next one would scan them)."""
    from django.db import connection

    tables = [
        "stats_package",
        "stats_packageday",
        "stats_packagemonth",
        "stats_packageyear",
        "stats_packageyearlines",
        "stats_packageversion",
        "stats_categoryday",
        "stats_categorymonth",
        "stats_categoryyear",
        "stats_logsegment",
        "stats_segmentday",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
