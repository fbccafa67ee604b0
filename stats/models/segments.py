"""What makes ingestion exact: one row per ingested piece of a log file, and its facts."""

from __future__ import annotations

from django.db import models

from stats.models.enums import SegmentStatus
from stats.models.registry import Registry


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
    content_hash = models.CharField(
        max_length=80,
        help_text='Hash of the range\'s bytes, tagged with its algorithm ("blake3:...").',
    )
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
                fields=["registry", "start_offset", "end_offset", "content_hash"],
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
    # constraint either (see SegmentDay); deleting a registry still deletes them.
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


class SegmentDay(models.Model):
    """Every package's downloads on one day found in one segment (append-only facts),
    packed column-wise by ``stats.packed_facts``; read them with ``stats.selectors.facts``.

    One row per (segment, day), not per (segment, package, day): a three-month log holds
    ~140,000 package-days per million lines, and a row each cost more to write than
    parsing the log. The totals are kept unpacked for the admin and for checks.
    """

    # No indexes of their own: the unique (segment, day) key and the (registry, day)
    # index start with them. No database constraints: rows are written only by
    # stats.services.bulk, in the transaction that creates their segment. Deletes
    # cascade through Django. A deleted package's entries stay in the packed columns
    # (package ids are never reused) and the readers skip them.
    segment = models.ForeignKey(
        LogSegment,
        on_delete=models.CASCADE,
        related_name="days",
        db_index=False,
        db_constraint=False,
    )
    registry = models.ForeignKey(
        Registry, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    packages = models.PositiveIntegerField(help_text="Packages with downloads on the day.")
    downloads = models.PositiveBigIntegerField()
    mirror_downloads = models.PositiveBigIntegerField(default=0)
    package_ids = models.BinaryField(help_text="Package ids, ascending: little-endian int64.")
    package_downloads = models.BinaryField(help_text="Per package: little-endian uint32.")
    package_mirror_downloads = models.BinaryField(help_text="Per package: little-endian uint32.")
    clients = models.BinaryField(
        help_text="Per package a roaring bitmap of Client ids, one after another."
    )
    client_ends = models.BinaryField(
        help_text="Per package the end of its bitmap in clients: little-endian int64."
    )
    version_names = models.JSONField(default=list, help_text="The versions downloaded.")
    version_downloads = models.BinaryField(
        help_text="(package index, version index, downloads) triples: little-endian uint32."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "day"], name="segment_day_natural_key")
        ]
        indexes = [models.Index(fields=["registry", "day"])]

    def __str__(self) -> str:
        return f"{self.day} in segment {self.segment_id}: {self.packages} packages"


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
