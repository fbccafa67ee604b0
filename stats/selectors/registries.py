"""Which registry a request is about, and the registries' overview."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404

from stats.models import Category, Package, Registry


class RegistryRequired(ValueError):
    """No registry named while several public registries exist."""


def resolve_registry(name: str | None) -> Registry:
    """The public registry named ``name``; the only public one when no name is given.

    The one place REST, pages, GraphQL and the response cache turn a request's
    ``registry`` into a Registry. Raises Http404 for an unknown (or non-public) name and
    RegistryRequired when the name is missing and the choice is ambiguous.
    """
    public = Registry.objects.filter(is_public=True)
    if name:
        try:
            return public.get(name=name)
        except Registry.DoesNotExist:
            raise Http404(f"Unknown registry {name!r}") from None
    candidates = list(public.order_by("name")[:2])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise Http404("No public registry exists yet")
    names = ", ".join(public.order_by("name").values_list("name", flat=True))
    raise RegistryRequired(f"the registry parameter is required (one of: {names})")


def registry_overview() -> list[dict[str, object]]:
    """Public registries with their categories and package counts: three queries."""
    registries = list(Registry.objects.filter(is_public=True).order_by("name"))
    counts = dict(
        Package.objects.filter(registry__is_public=True)
        .values("registry_id")
        .annotate(n=Count("id"))
        .values_list("registry_id", "n")
    )
    categories: dict[int, list[str]] = {}
    for registry_id, name in Category.objects.filter(registry__is_public=True).values_list(
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
