"""Precomputed summaries the API reads; written only by the aggregation service."""

from __future__ import annotations

from django.db import models

from stats.models.registry import Category, Package


class _Counts(models.Model):
    downloads = models.PositiveBigIntegerField(default=0)
    distinct_clients = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class _DayCounts(_Counts):
    day = models.DateField()
    mirror_downloads = models.PositiveBigIntegerField(default=0)
    clients = models.BinaryField(help_text="Roaring bitmap of Client ids.")

    class Meta:
        abstract = True


class _MonthCounts(_Counts):
    month = models.DateField(help_text="First day of the month.")
    clients = models.BinaryField(help_text="Roaring bitmap of Client ids.")

    class Meta:
        abstract = True


class _YearCounts(_Counts):
    year = models.PositiveSmallIntegerField()
    clients = models.BinaryField(
        default=b"",
        help_text="Roaring bitmap of Client ids; kept so a new day updates the year by a union.",
    )

    class Meta:
        abstract = True


class PackageDay(_DayCounts):
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="days", db_index=False
    )  # the unique (package, ...) index serves lookups by package

    class Meta:
        constraints = [models.UniqueConstraint(fields=["package", "day"], name="package_day_key")]
        indexes = [
            # Top packages over a date range: an index-only scan on PostgreSQL.
            models.Index(
                fields=["day", "package"], include=["downloads"], name="package_day_by_day"
            )
        ]


class PackageMonth(_MonthCounts):
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="months", db_index=False
    )  # the unique (package, ...) index serves lookups by package

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "month"], name="package_month_key")
        ]
        indexes = [
            # Top packages and the download score (12 months of distinct clients):
            # index-only scans on PostgreSQL.
            models.Index(
                fields=["month", "package"],
                include=["downloads", "distinct_clients"],
                name="package_month_by_month",
            )
        ]


class PackageYear(_YearCounts):
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="years", db_index=False
    )  # the unique (package, ...) index serves lookups by package

    class Meta:
        constraints = [models.UniqueConstraint(fields=["package", "year"], name="package_year_key")]


class PackageYearLines(models.Model):
    """A package year's 13 lines of ``<category>_pkg_stats.tab``, without the package column.

    Kept by the aggregation for every PackageYear row (patched as months change), so the
    file is a join of stored text, not a render of 250,000 months; a narrow table of its
    own, so serving does not read the years' client sets.
    """

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="year_lines", db_index=False
    )
    year = models.PositiveSmallIntegerField()
    lines = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "year"], name="package_year_lines_key")
        ]


class CategoryDay(_DayCounts):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="days")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "day"], name="category_day_key")]


class CategoryMonth(_MonthCounts):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="months")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "month"], name="category_month_key")
        ]


class CategoryYear(_YearCounts):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="years")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "year"], name="category_year_key")
        ]
