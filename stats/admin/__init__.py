"""The curators' admin, one module per model group; importing registers them all."""

from stats.admin import packages, registry, segments, summaries

__all__ = ["packages", "registry", "segments", "summaries"]
