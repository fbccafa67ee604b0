"""Badges: valid SVG in the shields.io look, expected text for a known fixture, not-found."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.test import Client

from stats import bitmaps
from stats.models import Package, Registry
from stats.web.badges import COLORS, HORIZONTAL_PADDING, metric, render_svg, text_width
from tests.factories import (
    PackageDayFactory,
    PackageFactory,
    PackageMonthFactory,
    RegistryFactory,
)

SVG = "{http://www.w3.org/2000/svg}"
VALID_THROUGH = dt.date(2024, 3, 31)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def limma(db) -> Package:
    """1,234 downloads by clients {1..5} in the last 30 days; 4 more before; total 56,789."""
    registry = RegistryFactory(name="bioconductor", valid_through=VALID_THROUGH, data_generation=3)
    package = PackageFactory(registry=registry, name="limma")
    # In the last 30 days (2024-03-02 .. 2024-03-31): 1,000 + 200 + 34 = 1,234.
    for day, downloads, clients in (
        (dt.date(2024, 3, 31), 1000, [1, 2, 3]),
        (dt.date(2024, 3, 20), 200, [3, 4]),
        (dt.date(2024, 3, 2), 34, [5]),
        (dt.date(2024, 3, 1), 4, [6, 7]),  # one day too early
    ):
        PackageDayFactory(
            package=package,
            day=day,
            downloads=downloads,
            distinct_clients=len(clients),
            clients=bitmaps.to_bytes(clients),
        )
    # The month row the aggregation would write for March: every day of it.
    PackageMonthFactory(
        package=package,
        month=dt.date(2024, 3, 1),
        downloads=1238,
        distinct_clients=7,
        clients=bitmaps.to_bytes(range(1, 8)),
    )
    Package.objects.filter(pk=package.pk).update(downloads_total=56789)
    return package


def _svg(response) -> tuple[ET.Element, list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]
    return root, texts


@pytest.mark.parametrize(
    ("path", "label", "message", "color"),
    [
        ("/badge/bioconductor/limma", "downloads", "1.2k/month", COLORS["brightgreen"]),
        ("/badge/bioconductor/limma/last-month", "downloads", "1.2k/month", COLORS["brightgreen"]),
        ("/badge/bioconductor/limma/last-week", "downloads", "1k/week", COLORS["brightgreen"]),
        ("/badge/bioconductor/limma/last-year", "downloads", "1.2k/year", COLORS["brightgreen"]),
        ("/badge/bioconductor/limma/total", "downloads", "57k", COLORS["brightgreen"]),
        ("/badge/bioconductor/limma/clients", "distinct clients", "5/month", COLORS["blue"]),
    ],
)
def test_badge_text_for_known_fixture(
    client: Client, limma: Package, path: str, label: str, message: str, color: str
) -> None:
    response = client.get(path)
    root, texts = _svg(response)
    assert texts == [label, message]
    assert root.find(f"{SVG}title").text == f"{label}: {message}"
    assert root.get("aria-label") == f"{label}: {message}"
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert COLORS["label"] in fills and color in fills
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response.has_header("ETag") and response.has_header("Last-Modified")
    assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_badge_numbers_equal_the_rest_api(client: Client, limma: Package) -> None:
    point = client.get("/api/v1/downloads/point/last-month/limma?registry=bioconductor").json()
    assert (point["downloads"], point["distinct_clients"]) == (1234, 5)
    assert (
        metric(point["downloads"]) + "/month" == _svg(client.get("/badge/bioconductor/limma"))[1][1]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/badge/bioconductor/nosuchpackage",
        "/badge/nosuchregistry/limma",
        "/badge/bioconductor/limma/nosuchkind",
        "/badge/bioconductor/nosuchpackage/total",
    ],
)
def test_unknown_gives_grey_not_found_svg(client: Client, limma: Package, path: str) -> None:
    response = client.get(path)
    root, texts = _svg(response)  # 200 with an SVG body, as shields.io answers
    assert texts[1] == "not found"
    assert COLORS["lightgrey"] in [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert response["X-Badge-Status"] == "not-found"
    assert response["Cache-Control"] == "public, max-age=300"


def test_not_found_is_not_kept_in_the_server_cache(client: Client, limma: Package) -> None:
    assert _svg(client.get("/badge/bioconductor/edgeR"))[1][1] == "not found"
    PackageFactory(registry=limma.registry, category=limma.category, name="edgeR")
    assert _svg(client.get("/badge/bioconductor/edgeR"))[1][1] == "0/month"


def test_registry_without_counted_days(client: Client, db) -> None:
    registry = RegistryFactory(name="fresh", valid_through=None)
    PackageFactory(registry=registry, name="newpkg")
    assert _svg(client.get("/badge/fresh/newpkg"))[1] == ["downloads", "no data yet"]
    assert _svg(client.get("/badge/fresh/newpkg/total"))[1] == ["downloads", "0"]


def test_hidden_registry_is_not_found(client: Client, db) -> None:
    registry = RegistryFactory(name="private", is_public=False, valid_through=VALID_THROUGH)
    PackageFactory(registry=Registry.objects.get(pk=registry.pk), name="secret")
    assert _svg(client.get("/badge/private/secret/total"))[1][1] == "not found"


@pytest.mark.parametrize("message", ["1", "999/month", "12k/week", "not found", "WWWWWWWW"])
def test_text_fits_its_box(message: str) -> None:
    root = ET.fromstring(render_svg("downloads", message, COLORS["green"]))
    rects = list(root.iter(f"{SVG}rect"))
    label_box, message_box = float(rects[1].get("width")), float(rects[2].get("width"))
    assert float(root.get("width")) == label_box + message_box
    texts = [t for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]
    for text, box in zip(texts, (label_box, message_box), strict=True):
        length = float(text.get("textLength")) / 10  # text is drawn at scale(.1)
        assert length == pytest.approx(text_width(text.text), abs=0.05)
        width = text_width(text.text)
        assert width + 2 * HORIZONTAL_PADDING <= box < width + 2 * HORIZONTAL_PADDING + 1
    # Message centred in its box.
    assert float(texts[1].get("x")) / 10 == pytest.approx(label_box + message_box / 2)


def test_text_width_table() -> None:
    assert text_width("") == 0
    assert text_width("W") > text_width("i")
    assert text_width("1.2k/month") == pytest.approx(
        sum(text_width(c) for c in "1.2k/month"), abs=1e-9
    )
    assert text_width("é") == text_width("@")  # unknown characters are never too narrow


def test_escaping() -> None:
    root = ET.fromstring(render_svg("a<b", "c&d", COLORS["blue"]))
    assert [t.text for t in root.iter(f"{SVG}text")][1::2] == ["a<b", "c&d"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1k"),
        (1234, "1.2k"),
        (1950, "1.9k"),
        (12345, "12k"),
        (999_499, "999k"),
        (999_999, "1M"),
        (1_500_000, "1.5M"),
        (23_000_000_000, "23G"),
    ],
)
def test_metric(value: int, text: str) -> None:
    assert metric(value) == text
