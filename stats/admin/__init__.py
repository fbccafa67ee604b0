"""The curators' admin, one module per model group; importing registers them all."""

from stats.admin import community, packages, registry, segments, summaries

__all__ = ["community", "packages", "registry", "segments", "summaries"]
