"""The /graphql endpoint: queries by GET or POST, GraphiQL for browsers.

Read-only (no mutations), so CSRF does not apply. GET queries are cached like the
other public responses, keyed by the generation of all public registries.
GraphiQL's scripts are served from stats/static/vendor/ (templates/graphql/graphiql.html).

A request that is not a GraphQL request at all (a body that is not a JSON object, not
UTF-8, nested too deeply for the parser, a method other than GET and POST) is answered
400 or 405 in GraphQL's error shape, ``{"errors": [{"message": ...}]}``, like the errors
of a query; strawberry answers those in plain text, and a few of them with a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

# strawberry's HTTP layer (request adapters, HTTPException) lives in its dependency cross-web.
from cross_web import DjangoHTTPRequestAdapter, HTTPException
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from stats.graphql.schema import schema
from stats.web.caching import cache_response

ALLOWED_METHODS = ("GET", "POST")


class StatsGraphQLView(GraphQLView):
    """Strawberry's Django view with every refusal a JSON answer."""

    def decode_json(self, data: str | bytes) -> object:
        """A JSON body, GET ``variables`` or ``extensions``.

        Strawberry answers a JSONDecodeError 400; these others were 500s: nesting too deep
        for the parser (RecursionError) and integers of more digits than int() converts.
        """
        try:
            return json.loads(data)
        except json.JSONDecodeError:
            raise
        except RecursionError:
            raise HTTPException(400, "Unable to parse JSON: nested too deeply") from None
        except ValueError:
            raise HTTPException(400, "Unable to parse JSON: a number is too long") from None

    def parse_http_body(self, request: DjangoHTTPRequestAdapter) -> Any:  # type: ignore[override]
        """Strawberry's parsing, once a JSON body is known to be UTF-8 and an object or a
        batch: strawberry decodes it unchecked, and reads any other JSON value (``null``,
        ``5``) as a request object."""
        if request.method == "POST" and "application/json" in (request.content_type or ""):
            _check_json_body(request.request.body)
        parsed = super().parse_http_body(request)
        for data in parsed if isinstance(parsed, list) else [parsed]:
            if _holds_nul(data.variables) or _NUL_IN_QUERY.search(data.query or ""):
                # PostgreSQL refuses NUL in text: a lookup by such a name failed with the
                # database's message as the error.
                raise HTTPException(400, "The request contains a NUL character")
        return parsed

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return self.run(request=request)
        except HTTPException as exc:
            response = JsonResponse({"errors": [{"message": exc.reason}]}, status=exc.status_code)
            if exc.status_code == 405:
                response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response


_NUL_IN_QUERY = re.compile(r"\x00|\\u(?:0000|\{0+\})", re.IGNORECASE)
"""A NUL in the query text, itself or as a string escape (\\u0000, \\u{0})."""


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _check_json_body(body: bytes) -> None:
    try:
        body.decode()
    except UnicodeDecodeError:
        raise HTTPException(400, "Unable to parse request body as JSON: not UTF-8") from None
    # A valid JSON text starting with { or [ is an object or an array (a batch).
    if body.lstrip(b" \t\r\n")[:1] not in (b"{", b"["):
        raise HTTPException(400, 'The request body must be a JSON object: {"query": "...", ...}')


graphql_view = csrf_exempt(
    cache_response(lambda request, kwargs: None)(
        StatsGraphQLView.as_view(schema=schema, graphql_ide="graphiql")
    )
)
