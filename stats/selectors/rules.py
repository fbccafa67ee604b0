"""Reads that turn a registry's settings and manifest into the parser's rules."""

from __future__ import annotations

from django.conf import settings

from stats.logparse.rules import DownloadRules, bioconductor_rules, literal_prefix
from stats.models import Package, Registry, RuleSet


def registry_manifest(registry: Registry) -> dict[str, str]:
    """Package name -> category name, for every package the registry's manifest listed."""
    return dict(Package.objects.filter(registry=registry).values_list("name", "category__name"))


def package_ids(registry: Registry) -> dict[str, int]:
    """Package name -> id, for writing facts."""
    return dict(Package.objects.filter(registry=registry).values_list("name", "id"))


def download_rules(registry: Registry) -> DownloadRules:
    """The parser rules of a registry; raises ValueError when its rules are unusable."""
    client_key = settings.CLIENT_HASH_KEY.encode()
    manifest = registry_manifest(registry)
    bots = tuple(registry.bot_patterns or ())
    mirrors = tuple(registry.mirror_patterns or ())
    if registry.rule_set == RuleSet.BIOCONDUCTOR:
        return bioconductor_rules(
            manifest=manifest,
            client_key=client_key,
            timezone=registry.timezone,
            bot_patterns=bots,
            mirror_patterns=mirrors,
        )
    return DownloadRules(
        download_regex=registry.download_regex,
        statuses=frozenset(int(s) for s in registry.counted_statuses or (200,)),
        methods=frozenset(str(m).upper() for m in registry.counted_methods or ("GET",)),
        manifest=manifest,
        timezone=registry.timezone,
        client_key=client_key,
        bot_patterns=bots,
        mirror_patterns=mirrors,
        prefilter=literal_prefix(registry.download_regex),
    )
