"""README badges in the shields.io "flat" look: ``/badge/<registry>/<package>[/<kind>]``.

Kinds (:class:`~stats.selectors.pages.BadgeKind`): ``last-month`` (default),
``last-week``, ``last-year`` (downloads in the last 30/7/365 days ending at the
registry's last complete day), ``total`` (all-time downloads) and ``clients``
(distinct clients in the last 30 days).

Every answer is an SVG, never an HTML page. Like shields.io, an unknown registry,
package or kind answers **200** with a grey badge saying "not found" (and an
``X-Badge-Status: not-found`` header): a 404 image is shown as a broken image by most
README renderers and image proxies, so the reader would never see the message.
Known packages' badges are cached by the registry's data generation (ETag,
Last-Modified, 304) and marked cacheable for an hour by proxies; "not found" badges
only for five minutes, and not in the server cache, so a package added to the
manifest shows up soon.
"""

from __future__ import annotations

import math
from html import escape

from django.http import Http404, HttpRequest, HttpResponse

from stats.selectors.access import request_user
from stats.selectors.pages import BadgeKind, badge_value
from stats.selectors.registries import resolve_registry
from stats.web.caching import cache_response

CONTENT_TYPE = "image/svg+xml; charset=utf-8"
CACHE_CONTROL = "public, max-age=3600"
NOT_FOUND_CACHE_CONTROL = "public, max-age=300"

# Advance widths in px of DejaVu Sans at 11px for ASCII 32..126, read from the font's
# hmtx table. DejaVu (Bitstream Vera) has metrics close to Verdana's, the font
# shields.io measures with; the SVG also sets textLength, so text always fits its box.
_WIDTHS_11PX = (
    3.5, 4.41, 5.06, 9.22, 7.0, 10.45, 8.58, 3.02, 4.29, 4.29, 5.5, 9.22, 3.5, 3.97, 3.5,
    3.71, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 3.71, 3.71, 9.22, 9.22, 9.22,
    5.84, 11.0, 7.52, 7.55, 7.68, 8.47, 6.95, 6.33, 8.52, 8.27, 3.24, 3.24, 7.21, 6.13,
    9.49, 8.23, 8.66, 6.63, 8.66, 7.64, 6.98, 6.72, 8.05, 7.52, 10.88, 7.54, 6.72, 7.54,
    4.29, 3.71, 4.29, 9.22, 5.5, 5.5, 6.74, 6.98, 6.05, 6.98, 6.77, 3.87, 6.98, 6.97,
    3.06, 3.06, 6.37, 3.06, 10.72, 6.97, 6.73, 6.98, 6.98, 4.52, 5.73, 4.31, 6.97, 6.51,
    9.0, 6.51, 6.51, 5.77, 7.0, 3.71, 7.0, 9.22,
)  # fmt: skip
_FALLBACK_WIDTH = 11.0  # as wide as "@", the widest ASCII glyph: never too narrow
HORIZONTAL_PADDING = 5

COLORS = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellowgreen": "#a4a61d",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "lightgrey": "#9f9f9f",
    "label": "#555",
}

_SUFFIX = {
    BadgeKind.LAST_MONTH: "/month",
    BadgeKind.LAST_WEEK: "/week",
    BadgeKind.LAST_YEAR: "/year",
    BadgeKind.TOTAL: "",
    BadgeKind.CLIENTS: "/month",
}
_LABEL = {BadgeKind.CLIENTS: "distinct clients"}


def text_width(text: str) -> float:
    """Width of ``text`` in px at 11px from the character-width table."""
    total = 0.0
    for char in text:
        code = ord(char)
        total += _WIDTHS_11PX[code - 32] if 32 <= code < 127 else _FALLBACK_WIDTH
    return total


def metric(n: int) -> str:
    """Shields.io's compact number: 999, 1.2k, 12k, 1.2M; one decimal only below 10."""
    prefixes = ("k", "M", "G", "T", "P", "E")
    for power in range(len(prefixes), 0, -1):
        limit = 1000**power
        if abs(n) >= limit:
            scaled = abs(n) / limit
            sign = "-" if n < 0 else ""
            one_decimal = f"{scaled:.1f}"
            if scaled < 10 and not one_decimal.endswith("0"):
                return f"{sign}{one_decimal}{prefixes[power - 1]}"
            rounded = math.floor(scaled + 0.5)
            if rounded < 1000 or power == len(prefixes):
                return f"{sign}{rounded}{prefixes[power - 1]}"
            return f"{sign}1{prefixes[power]}"
    return str(n)


def download_color(value: int) -> str:
    """Shields.io's download-count scale: 0 red, then yellow, yellowgreen, green, brightgreen."""
    steps = ((1, "red"), (10, "yellow"), (100, "yellowgreen"), (1000, "green"))
    for threshold, color in steps:
        if value < threshold:
            return COLORS[color]
    return COLORS["brightgreen"]


def render_svg(label: str, message: str, color: str) -> str:
    """A flat badge: grey label on the left, coloured message on the right."""
    label_text = text_width(label)
    message_text = text_width(message)
    label_width = math.ceil(round(label_text, 3)) + 2 * HORIZONTAL_PADDING
    message_width = math.ceil(round(message_text, 3)) + 2 * HORIZONTAL_PADDING
    width = label_width + message_width
    title = escape(f"{label}: {message}")
    label_x = label_width * 5  # centre, in the 10x units of the scaled text
    message_x = (label_width + message_width / 2) * 10
    label_length = round(label_text * 10)
    message_length = round(message_text * 10)
    label_esc, message_esc = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{label_width}" height="20" '
        f'fill="{COLORS["label"]}"/><rect x="{label_width}" width="{message_width}" '
        f'height="20" fill="{color}"/><rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,'
        'sans-serif" text-rendering="geometricPrecision" font-size="110">'
        f'<text aria-hidden="true" x="{label_x:g}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)" textLength="{label_length}">{label_esc}</text>'
        f'<text x="{label_x:g}" y="140" transform="scale(.1)" fill="#fff" '
        f'textLength="{label_length}">{label_esc}</text>'
        f'<text aria-hidden="true" x="{message_x:g}" y="150" fill="#010101" '
        f'fill-opacity=".3" transform="scale(.1)" textLength="{message_length}">'
        f"{message_esc}</text>"
        f'<text x="{message_x:g}" y="140" transform="scale(.1)" fill="#fff" '
        f'textLength="{message_length}">{message_esc}</text></g></svg>'
    )


def _svg_response(svg: str, *, found: bool) -> HttpResponse:
    response = HttpResponse(svg, content_type=CONTENT_TYPE)
    response["Cache-Control"] = CACHE_CONTROL if found else NOT_FOUND_CACHE_CONTROL
    if not found:
        response["X-Badge-Status"] = "not-found"
        # A generation that never matches: served, but not stored in the server cache.
        response.data_generation = -1  # type: ignore[attr-defined]
    return response


def not_found_badge(label: str = "downloads") -> HttpResponse:
    return _svg_response(render_svg(label, "not found", COLORS["lightgrey"]), found=False)


@cache_response(vary_on_accept=False)
def badge(
    request: HttpRequest, registry: str, package: str, kind: str = BadgeKind.LAST_MONTH
) -> HttpResponse:
    """The badge of one package; see the module docstring for kinds and "not found"."""
    try:
        badge_kind = BadgeKind(kind)
    except ValueError:
        return not_found_badge()
    label = _LABEL.get(badge_kind, "downloads")
    try:
        found_registry = resolve_registry(registry, user=request_user(request))
    except Http404:
        return not_found_badge(label)
    value = badge_value(found_registry, package, badge_kind)
    if value is None:
        return not_found_badge(label)
    if value.value is None:
        return _svg_response(render_svg(label, "no data yet", COLORS["lightgrey"]), found=True)
    color = COLORS["blue"] if badge_kind == BadgeKind.CLIENTS else None
    message = metric(value.value) + _SUFFIX[badge_kind]
    return _svg_response(
        render_svg(label, message, color or download_color(value.value)), found=True
    )
