"""The GraphQL schema at /graphql: registries, categories, packages, series, top N.

Limits keep one request cheap: a query nests at most ``MAX_DEPTH`` levels, uses at
most ``MAX_ALIASES`` aliases and ``MAX_TOKENS`` tokens, and every list field has a
bounded ``limit`` (see :mod:`stats.graphql.types`). Errors (bad periods, unknown
categories, limits) come back in GraphQL's own ``errors`` list with an
``extensions.code``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import strawberry
from django.db import Error as DatabaseError
from django.http import Http404
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig

from stats.graphql.community import mount_community
from stats.graphql.types import BIG_INT_DESCRIPTION, BigInt, RegistryType
from stats.selectors.access import request_user, visible_registries
from stats.selectors.registries import resolve_registry

MAX_DEPTH = 8
MAX_ALIASES = 20
MAX_TOKENS = 2000


@strawberry.type
class Query:
    @strawberry.field(description="Every public registry (and, for their members, private ones).")
    def registries(self, info: strawberry.Info) -> list[RegistryType]:
        user = request_user(info.context.request)
        return list(visible_registries(user).order_by("name"))  # type: ignore[return-value]

    @strawberry.field(description="A registry by name; null when there is none you may see.")
    def registry(self, info: strawberry.Info, name: str) -> RegistryType | None:
        try:
            return resolve_registry(  # type: ignore[return-value]
                name, user=request_user(info.context.request)
            )
        except Http404:
            return None


def _database_error(error: GraphQLError) -> bool:
    """A database failure is logged (strawberry logs every error) but not shown: its
    message may quote SQL or the server's internals."""
    return isinstance(error.original_error, DatabaseError)


class NoEmptySelectionSets(SchemaExtension):
    """Parse as the GraphQL spec does: a selection set holds at least one field, so ``{}``
    is a syntax error. graphql-core 3.3 parses empty ones, and the depth limiter then
    failed on them, answering Python's own message ('max() arg is an empty sequence')."""

    def on_operation(self) -> Iterator[None]:
        options = cast(dict[str, Any], self.execution_context.parse_options)
        options["allow_empty_selection_sets"] = False
        yield


mount_community(RegistryType)  # registry { community { ... } }, see stats.graphql.community

schema = strawberry.Schema(
    query=Query,
    extensions=[
        NoEmptySelectionSets,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(should_mask_error=_database_error, error_message="Internal error"),
    ],
    config=StrawberryConfig(
        scalar_map={
            BigInt: strawberry.scalar(
                name="BigInt", description=BIG_INT_DESCRIPTION, serialize=int, parse_value=int
            )
        }
    ),
)
