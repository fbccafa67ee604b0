"""Communities whose downloads are counted, their categories and packages."""

from __future__ import annotations

from django.db import models

from stats.models.enums import RuleSet


class Registry(models.Model):
    """A community (Bioconductor, nf-core, ...) with its own download-selection rules."""

    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200, blank=True)
    rule_set = models.CharField(max_length=32, choices=RuleSet.choices, default=RuleSet.GENERIC)
    download_regex = models.TextField(
        blank=True,
        help_text="Generic rules: regex on the URI path with named groups package, "
        "optional version and category (Rust/RE2 syntax: no look-around).",
    )
    counted_statuses = models.JSONField(default=list, blank=True, help_text="e.g. [200, 206]")
    counted_methods = models.JSONField(default=list, blank=True, help_text='e.g. ["GET"]')
    bot_patterns = models.JSONField(
        default=list, blank=True, help_text="Extra user-agent regexes to leave out as bots."
    )
    mirror_patterns = models.JSONField(
        default=list,
        blank=True,
        help_text="Regexes on the client address/host or user agent that mark a mirror.",
    )
    timezone = models.CharField(max_length=64, default="UTC")
    website_urls = models.JSONField(default=list, blank=True)
    log_sources = models.JSONField(
        default=list, blank=True, help_text="Folders or globs the daily flow reads logs from."
    )
    manifest_url = models.CharField(max_length=500, blank=True)
    is_public = models.BooleanField(default=True)
    organisation = models.ForeignKey(
        "stats.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registries",
        help_text="Who curates it; a private registry is visible to its members only.",
    )
    valid_through = models.DateField(null=True, blank=True, editable=False)
    data_generation = models.PositiveBigIntegerField(default=0, editable=False)
    windows_through = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The last day of the packages' rolling-window totals (downloads_last_*); "
        "they answer top queries only while this equals valid_through.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "registries"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A group of packages in a registry (bioc, annotation, experiment, workflows)."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="categories")
    name = models.SlugField(max_length=64)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["registry", "name"]
        constraints = [
            models.UniqueConstraint(fields=["registry", "name"], name="category_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.registry.name}/{self.name}"


class Package(models.Model):
    """A package of the registry's manifest; only these are counted.

    The summary columns are written by the aggregation service only, so list
    endpoints can sort and page without joining summary tables.
    """

    registry = models.ForeignKey(  # indexed first in package_natural_key
        Registry, on_delete=models.CASCADE, related_name="packages", db_index=False
    )
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="packages")
    name = models.CharField(max_length=200)
    first_release = models.CharField(max_length=32, blank=True)
    last_release = models.CharField(max_length=32, blank=True)
    active = models.BooleanField(default=True)
    downloads_total = models.PositiveBigIntegerField(default=0, editable=False)
    download_score = models.PositiveIntegerField(default=0, editable=False)
    rank = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Downloads of the npm rolling windows ending at the registry's windows_through.
    downloads_last_day = models.PositiveBigIntegerField(default=0, editable=False)
    downloads_last_week = models.PositiveBigIntegerField(default=0, editable=False)
    downloads_last_month = models.PositiveBigIntegerField(default=0, editable=False)
    downloads_last_year = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["registry", "name"]
        constraints = [
            models.UniqueConstraint(fields=["registry", "name"], name="package_natural_key")
        ]
        indexes = [
            models.Index(fields=["registry", "category", "name"]),
            models.Index(fields=["registry", "-download_score"]),
            models.Index(fields=["registry", "-downloads_total"]),
        ]

    def __str__(self) -> str:
        return self.name


class PackageVersion(models.Model):
    """A version seen in downloads, with its running total."""

    package = models.ForeignKey(  # indexed first in version_natural_key
        Package, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.CharField(max_length=100)
    downloads = models.PositiveBigIntegerField(default=0)
    first_day = models.DateField(null=True)
    last_day = models.DateField(null=True)

    class Meta:
        ordering = ["package", "version"]
        constraints = [
            models.UniqueConstraint(fields=["package", "version"], name="version_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.package.name} {self.version}"
