"""Availability of a registry's websites, one row per check."""

from __future__ import annotations

from django.db import models

from stats.models.registry import Registry


class UptimeCheck(models.Model):
    """One GET of one of a registry's website URLs: did it answer, and how fast."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="uptime_checks")
    url = models.CharField(max_length=500)
    checked_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HTTP status; empty when no answer came."
    )
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    available = models.BooleanField()
    error = models.CharField(max_length=500, blank=True, help_text="Why it was unavailable.")

    class Meta:
        ordering = ["registry", "url", "-checked_at"]
        indexes = [models.Index(fields=["registry", "url", "-checked_at"])]

    def __str__(self) -> str:
        state = "up" if self.available else "down"
        return f"{self.url} {state} at {self.checked_at:%Y-%m-%d %H:%M}"
