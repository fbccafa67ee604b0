"""What makes ingestion exact: one row per ingested piece of a log file, and its facts."""

from __future__ import annotations

from django.db import models

from stats.models.enums import SegmentStatus
from stats.models.registry import Package, Registry


class LogSegment(models.Model):
    """One ingested byte range of a (decompressed) log stream.

    The row is inserted first in the transaction that writes the segment's facts, so a
    second attempt at the same content (rerun, concurrent run, renamed copy) hits the
    unique key and writes nothing.
    """

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="segments")
    source = models.CharField(max_length=1000, help_text="Path or URI of the log file.")
    start_offset = models.PositiveBigIntegerField()
    end_offset = models.PositiveBigIntegerField()
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=SegmentStatus.choices)
    status_reason = models.TextField(blank=True)
    lines = models.PositiveBigIntegerField(default=0)
    malformed = models.PositiveBigIntegerField(default=0)
    downloads = models.PositiveBigIntegerField(default=0)
    mirror_downloads = models.PositiveBigIntegerField(default=0)
    bots = models.PositiveBigIntegerField(default=0)
    unknown = models.PositiveBigIntegerField(default=0)
    malformed_samples = models.JSONField(default=list, blank=True)
    first_line_at = models.DateTimeField(null=True, blank=True, help_text="Earliest valid line.")
    last_line_at = models.DateTimeField(null=True, blank=True, help_text="Latest valid line.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    aggregated = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["registry", "source", "start_offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "start_offset", "end_offset", "content_sha256"],
                name="segment_identity",
            )
        ]
        indexes = [models.Index(fields=["registry", "source", "start_offset"])]

    def __str__(self) -> str:
        return f"{self.source} [{self.start_offset}:{self.end_offset}]"


class Client(models.Model):
    """A downloading client, known only by a keyed hash (HMAC) of its address.

    The integer id is what the per-day client bitmaps hold.
    """

    # No index of its own: the unique (registry, digest) key starts with it. No database
    # constraint either (see SegmentDownloads); deleting a registry still deletes them.
    registry = models.ForeignKey(
        Registry,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    digest = models.BinaryField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registry", "digest"], name="client_natural_key")
        ]


class SegmentDownloads(models.Model):
    """Downloads of one package on one day found in one segment (append-only facts)."""

    # No indexes of their own: the unique (segment, package, day) key and the (package,
    # day) index start with them, and every fact written pays for each index.
    # No database constraints: facts are written only by stats.services.bulk, in the
    # transaction that creates their segment, with package ids read in it; PostgreSQL
    # would check each of a segment's thousands of rows at commit (a third of the
    # ingestion time of a one-day log). Deletes cascade through Django as before.
    segment = models.ForeignKey(
        LogSegment,
        on_delete=models.CASCADE,
        related_name="facts",
        db_index=False,
        db_constraint=False,
    )
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    downloads = models.PositiveIntegerField()
    mirror_downloads = models.PositiveIntegerField(default=0)
    clients = models.BinaryField(help_text="Roaring bitmap of Client ids.")
    versions = models.JSONField(default=dict, help_text="{version: downloads}")

    class Meta:
        verbose_name_plural = "segment downloads"
        constraints = [
            models.UniqueConstraint(fields=["segment", "package", "day"], name="fact_natural_key")
        ]
        indexes = [models.Index(fields=["package", "day"])]


class UnknownPackage(models.Model):
    """A requested name the manifest does not know: counted aside for the curator."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="unknown")
    category = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    requests = models.PositiveBigIntegerField(default=0)
    last_seen = models.DateField(null=True)

    class Meta:
        ordering = ["registry", "-requests"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "category", "name"], name="unknown_package_natural_key"
            )
        ]
