"""Which registry a request is about, and the registries' overview."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404

from stats.models import Category, Package, Registry
from stats.selectors.access import visible_registries


class RegistryRequired(ValueError):
    """No registry named while several public registries exist."""


def resolve_registry(name: str | None, *, user: Any = None) -> Registry:
    """The registry named ``name`` that ``user`` may see; the only one when no name is given.

    The one place REST, pages, GraphQL, badges and .tab files turn a request's
    ``registry`` into a Registry; visibility comes from
    :func:`stats.selectors.access.visible_registries` (anonymous: public registries
    only). Raises Http404 for an unknown or invisible name (a private registry's
    existence does not leak) and RegistryRequired when the name is missing and the
    choice is ambiguous.
    """
    visible = visible_registries(user)
    if name:
        try:
            return visible.get(name=name)
        except Registry.DoesNotExist:
            raise Http404(f"Unknown registry {name!r}") from None
    candidates = list(visible.order_by("name")[:2])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise Http404("No public registry exists yet")
    names = ", ".join(visible.order_by("name").values_list("name", flat=True))
    raise RegistryRequired(f"the registry parameter is required (one of: {names})")


def registry_overview(*, user: Any = None) -> list[dict[str, object]]:
    """Registries ``user`` may see with their categories and package counts: three queries."""
    visible = visible_registries(user)
    registries = list(visible.order_by("name"))
    counts = dict(
        Package.objects.filter(registry__in=visible)
        .values("registry_id")
        .annotate(n=Count("id"))
        .values_list("registry_id", "n")
    )
    categories: dict[int, list[str]] = {}
    for registry_id, name in Category.objects.filter(registry__in=visible).values_list(
        "registry_id", "name"
    ):
        categories.setdefault(registry_id, []).append(name)
    return [
        {
            "name": r.name,
            "title": r.title or r.name,
            "valid_through": r.valid_through,
            "data_generation": r.data_generation,
            "packages": counts.get(r.pk, 0),
            "categories": sorted(categories.get(r.pk, [])),
            "timezone": r.timezone,
        }
        for r in registries
    ]


def category_names(registry: Registry) -> dict[int, str]:
    """Category id -> name of a registry (a handful of rows)."""
    return dict(Category.objects.filter(registry=registry).values_list("id", "name"))


def get_category(registry: Registry, name: str) -> Category:
    try:
        return Category.objects.get(registry=registry, name=name)
    except Category.DoesNotExist:
        raise Http404(f"Unknown category {name!r} in registry {registry.name!r}") from None


def get_package(registry: Registry, name: str) -> Package:
    try:
        return Package.objects.select_related("category").get(registry=registry, name=name)
    except Package.DoesNotExist:
        raise Http404(f"Unknown package {name!r} in registry {registry.name!r}") from None
