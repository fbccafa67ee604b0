"""The community page in a real browser: chart data points equal the API; screenshots."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.web.test_community_page import Community, build_community, rest_daily_sums

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_PATH = "/r/nf-core/packages/stats/community/"


class _Answer:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def json(self) -> object:
        return json.loads(self.body)


class LiveApi:
    """The REST API over real HTTP, with the test client's ``get(path).json()``."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str) -> _Answer:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            assert response.status == 200, path
            return _Answer(response.read())


@pytest.fixture
def community() -> Community:
    return build_community()


def _chart(browser, chart_id: str) -> dict:
    return browser.execute_script(
        "const c = Chart.getChart(document.getElementById(arguments[0]));"
        "return {labels: c.data.labels,"
        " sets: c.data.datasets.map(d => ({label: d.label, data: d.data})),"
        " drawn: c.data.datasets.map((d, i) => c.getDatasetMeta(i).data.length),"
        " visible: c.data.datasets.map((d, i) => c.isDatasetVisible(i))};",
        chart_id,
    )


def _painted(browser, chart_id: str) -> int:
    return browser.execute_script(
        "const c = document.getElementById(arguments[0]);"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;",
        chart_id,
    )


def test_stars_chart_draws_the_api_numbers(browser, live_server, community: Community) -> None:
    expected = rest_daily_sums(LiveApi(live_server.url), "nf-core")
    browser.get(live_server.url + PAGE_PATH)
    stars = _chart(browser, "stars-chart")
    assert stars["labels"] == list(expected)
    assert len(stars["labels"]) == 20
    (dataset,) = stars["sets"]
    assert dataset["label"] == "Stars"
    assert dataset["data"] == [row["stars"] for row in expected.values()]
    assert dataset["data"][-1] == 919 + 410 + 261
    assert stars["drawn"] == [20] and stars["visible"] == [True]
    assert _painted(browser, "stars-chart") > 1000
    label = browser.find_element("id", "stars-chart").get_attribute("aria-label")
    assert label == "Stars of all repositories per day"

    traffic = _chart(browser, "traffic-chart")
    fields = ("views", "unique_visitors", "clones", "unique_cloners")
    assert [s["data"] for s in traffic["sets"]] == [
        [row[f] for row in expected.values()] for f in fields
    ]
    summary = LiveApi(live_server.url).get("/api/v1/community/nf-core/summary").json()
    shown = browser.find_element("css selector", '[data-summary="stars"]').text
    assert int(shown.replace(",", "")) == summary["totals"]["stars"] == dataset["data"][-1]


def test_every_chart_is_drawn(browser, live_server, community: Community) -> None:
    browser.get(live_server.url + PAGE_PATH)
    charts = browser.execute_script(
        "return Array.from(document.querySelectorAll('canvas[data-chart]')).map(c =>"
        " [c.id, c.getAttribute('aria-label'), Chart.getChart(c).data.datasets.length]);"
    )
    assert [c[0] for c in charts] == [
        "stars-chart",
        "forks-chart",
        "traffic-chart",
        "contributors-chart",
        "active-chart",
    ]
    assert all(label and count >= 1 for _, label, count in charts)
    for chart_id, _, _ in charts:
        assert _painted(browser, chart_id) > 500, chart_id


def test_screenshots_light_dark_and_phone(
    browser, live_server, community: Community, artifacts: Path
) -> None:
    browser.get(live_server.url + PAGE_PATH)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 100, 4000))
    path = artifacts / "community_page.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000

    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    browser.get(live_server.url + PAGE_PATH)
    assert (
        browser.execute_script("return document.documentElement.getAttribute('data-bs-theme')")
        == "dark"
    )
    assert browser.save_screenshot(str(artifacts / "community_page_dark.png"))

    browser.set_window_size(390, 844)
    browser.get(live_server.url + PAGE_PATH)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
    )
    assert overflow <= 0
    assert browser.save_screenshot(str(artifacts / "community_page_phone.png"))
