"""Create and configure registries (communities whose downloads are counted)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from stats.logparse.rules import validate_download_regex, validate_patterns
from stats.models import Registry, RuleSet


class RegistryConfigError(ValueError):
    """A registry setting that cannot work; the message says which and why."""


def validate_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RegistryConfigError(f"unknown timezone {name!r}") from None


def validate_statuses(statuses: list[int]) -> None:
    bad = [s for s in statuses if not 100 <= int(s) <= 599]
    if bad:
        raise RegistryConfigError(f"HTTP statuses must be 100-599, got {bad}")


@transaction.atomic
def registry_configure(
    *,
    name: str,
    rule_set: RuleSet | str = RuleSet.GENERIC,
    download_regex: str = "",
    statuses: list[int] | None = None,
    methods: list[str] | None = None,
    timezone: str | None = None,
    title: str | None = None,
) -> tuple[Registry, bool]:
    """Create the registry ``name`` or update the settings given; returns (registry, created)."""
    rule_set = RuleSet(rule_set)
    if rule_set == RuleSet.GENERIC:
        try:
            validate_download_regex(download_regex)
        except ValueError as exc:
            raise RegistryConfigError(f"--download-regex: {exc}") from None
    if statuses is not None:
        validate_statuses(statuses)
    if timezone is not None:
        validate_timezone(timezone)
    registry, created = Registry.objects.select_for_update().get_or_create(name=name)
    registry.rule_set = rule_set
    registry.download_regex = download_regex if rule_set == RuleSet.GENERIC else ""
    if statuses is not None:
        registry.counted_statuses = [int(s) for s in statuses]
    if methods is not None:
        registry.counted_methods = [m.upper() for m in methods]
    if timezone is not None:
        registry.timezone = timezone
    if title is not None:
        registry.title = title
    elif created:
        registry.title = name.replace("-", " ").title()
    registry.full_clean()
    registry.save()
    return registry, created


def registry_set_patterns(
    *, registry: Registry, bot_patterns: list[str], mirror_patterns: list[str]
) -> None:
    """Replace the curator's bot and mirror patterns after checking they compile."""
    try:
        validate_patterns(bot_patterns, "bot")
        validate_patterns(mirror_patterns, "mirror")
    except ValueError as exc:
        raise RegistryConfigError(str(exc)) from None
    registry.bot_patterns = bot_patterns
    registry.mirror_patterns = mirror_patterns
    registry.save(update_fields=["bot_patterns", "mirror_patterns"])
