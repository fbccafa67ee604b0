"""The /graphql endpoint: queries by GET or POST, GraphiQL for browsers.

Read-only (no mutations), so CSRF does not apply. GET queries are cached like the
other public responses, keyed by the generation of all public registries.
GraphiQL's scripts are served from stats/static/vendor/ (templates/graphql/graphiql.html).
"""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from stats.graphql.schema import schema
from stats.web.caching import cache_response

graphql_view = csrf_exempt(
    cache_response(lambda request, kwargs: None)(
        GraphQLView.as_view(schema=schema, graphql_ide="graphiql")
    )
)
