"""Fixed vocabularies, usable as Python enums and as Django choices."""

from django.db import models


class RuleSet(models.TextChoices):
    """How a registry turns a request into a package download."""

    BIOCONDUCTOR = "bioconductor", "Bioconductor layout (built in)"
    GENERIC = "generic", "Generic regex with named groups"


class SegmentStatus(models.TextChoices):
    """Outcome of ingesting one log segment."""

    DONE = "done", "Done"
    PARTIAL = "partial", "Partial (truncated or corrupt input)"
