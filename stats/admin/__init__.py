"""The curators' admin, one module per model group; importing registers them all."""

from stats.admin import accounts, community, packages, registry, segments, summaries

__all__ = ["accounts", "community", "packages", "registry", "segments", "summaries"]
