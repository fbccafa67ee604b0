"""Proof that the fill writes exactly what aggregation would, from the same facts."""

from __future__ import annotations

import datetime as dt
import random

from benchmarks._fill.bioconductor import fill_bioconductor
from benchmarks._fill.plan import END, day_rows, version_label, version_step


def check_against_rebuild(url: str, *, years: int = 2, scale: float = 0.02, seed: int = 3) -> bool:
    """Fill a small database, write the same days as facts, rebuild, compare every summary.

    Proves the fill writes exactly what aggregation would (byte-equal client sets too).
    """
    plan = fill_bioconductor(url, scale=scale, years=years, seed=seed).plan
    from django.db import transaction

    from stats import models as m
    from stats.services.aggregation import rebuild_registry_stats
    from stats.services.bulk import insert_facts

    keyed = {
        m.PackageDay: "package_id day",
        m.PackageMonth: "package_id month",
        m.PackageYear: "package_id year",
        m.PackageYearLines: "package_id year",
        m.CategoryDay: "category_id day",
        m.CategoryMonth: "category_id month",
        m.CategoryYear: "category_id year",
        m.PackageVersion: "package_id version",
        m.Package: "id name",
        m.Registry: "id",
    }
    values = {
        m.PackageVersion: ["downloads", "first_day", "last_day"],
        m.PackageYearLines: ["lines"],
        m.Package: [
            "downloads_total",
            "download_score",
            "rank",
            "downloads_last_day",
            "downloads_last_week",
            "downloads_last_month",
            "downloads_last_year",
        ],
        m.Registry: ["valid_through", "windows_through"],
    }

    def snapshot() -> dict[str, set]:
        return {
            model.__name__: {
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in model._default_manager.values_list(
                    *key.split(), *values.get(model, ["downloads", "distinct_clients", "clients"])
                )
            }
            for model, key in keyed.items()
        }

    before = snapshot()
    registry = m.Registry.objects.get(name="bioconductor")
    facts = []
    for year in range(plan.start.year, plan.day(plan.days - 1).year + 1):
        rng = random.Random(f"{plan.seed}:{year}")  # the fill's draws, in the fill's order
        first = max(0, (dt.date(year, 1, 1) - plan.start).days)
        last = min(plan.days - 1, (dt.date(year, 12, 31) - plan.start).days)
        active = [p for p in plan.packages if p.first <= last and p.last >= first]
        for index in range(first, last + 1):
            for package, downloads, ids in day_rows(plan, index, rng, active):
                ids.run_optimize()
                version = version_label(version_step(package, index))
                facts.append((package.id, plan.day(index), downloads, ids.serialize(), version))
    stamp = dt.datetime.combine(END, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1, seconds=30)
    with transaction.atomic():
        segment = m.LogSegment.objects.create(
            registry=registry,
            source="check",
            start_offset=0,
            end_offset=1,
            content_hash="blake3:check",
            status=m.SegmentStatus.DONE,
            last_line_at=stamp,
            started_at=stamp,
            finished_at=stamp,
        )
        insert_facts((segment.pk, p, d, n, 0, b, {v: n}) for p, d, n, b, v in facts)
    rebuild_registry_stats(registry=registry)
    after = snapshot()
    for name in before:
        verdict = "equal" if before[name] == after[name] else "DIFFERENT"
        print(f"  {name:<16} {len(before[name]):>8} rows  {verdict}")
    return before == after
