"""Curators' changes made through the write API (rules); checks come from registries."""

from __future__ import annotations

import re

from django.db import transaction

from stats.models import Registry, RuleSet
from stats.services.registries import (
    RegistryConfigError,
    registry_configure,
    registry_set_patterns,
)

_METHOD = re.compile(r"[A-Z][A-Z-]{0,15}")


@transaction.atomic
def registry_rules_replace(
    *,
    registry: Registry,
    rule_set: RuleSet | str,
    download_regex: str,
    counted_statuses: list[int],
    counted_methods: list[str],
    bot_patterns: list[str],
    mirror_patterns: list[str],
) -> Registry:
    """Replace a registry's download-selection rules, all checked, in one transaction.

    Raises RegistryConfigError naming the bad setting; nothing is saved then. The new
    rules apply to logs ingested from now on (earlier counts are not recomputed).
    """
    methods = [m.upper() for m in counted_methods]
    bad = [m for m in methods if not _METHOD.fullmatch(m)]
    if bad:
        raise RegistryConfigError(f"not HTTP methods: {bad}")
    updated, _ = registry_configure(
        name=registry.name,
        rule_set=rule_set,
        download_regex=download_regex,
        statuses=counted_statuses,
        methods=methods,
    )
    registry_set_patterns(
        registry=updated, bot_patterns=bot_patterns, mirror_patterns=mirror_patterns
    )
    return updated
