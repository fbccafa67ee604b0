"""The package page in a real browser: chart data points, table, links, badges, screenshot."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path

import pytest

from stats.services.aggregation import refresh_registry_stats
from stats.web.pages_data import chart_months
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PACKAGE_PATH = "/packages/stats/software/alpha/"


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(
        name="bioconductor", start=dt.date(2023, 10, 20), end=dt.date(2024, 2, 10)
    )
    refresh_registry_stats(registry=built.registry)
    built.registry.refresh_from_db()
    return built


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _api_package(live_server, name: str) -> dict:
    status, _, body = _get(f"{live_server.url}/api/v1/registries/bioconductor/packages/{name}")
    assert status == 200
    return json.loads(body)


def _number(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_chart_draws_the_api_monthly_series(browser, live_server, scenario: Scenario) -> None:
    api = _api_package(live_server, "alpha")
    browser.get(live_server.url + PACKAGE_PATH)
    chart = browser.execute_script(
        "const c = Chart.getChart(document.getElementById('package-chart'));"
        "return {labels: c.data.labels,"
        " sets: c.data.datasets.map(d => ({label: d.label, data: d.data})),"
        " drawn: c.data.datasets.map((d, i) => c.getDatasetMeta(i).data.length),"
        " visible: c.data.datasets.map((d, i) => c.isDatasetVisible(i))};"
    )
    expected = chart_months(api["monthly"], scenario.registry.valid_through)
    assert chart["labels"] == [m["month"] for m in expected]
    assert chart["labels"][0] == "2023-10" and chart["labels"][-1] == "2024-02"
    downloads, clients = chart["sets"]
    assert downloads["label"] == "Downloads" and clients["label"] == "Distinct clients"
    by_month = {m["month"]: m for m in api["monthly"]}
    assert downloads["data"] == [by_month[m]["downloads"] for m in chart["labels"]]
    assert clients["data"] == [by_month[m]["distinct_clients"] for m in chart["labels"]]
    # Every point was laid out as a drawn element, and the canvas is not blank.
    assert chart["drawn"] == [len(chart["labels"])] * 2
    assert chart["visible"] == [True, True]
    painted = browser.execute_script(
        "const c = document.getElementById('package-chart');"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;"
    )
    assert painted > 1000
    label = browser.find_element("id", "package-chart").get_attribute("aria-label")
    assert "alpha" in label


def test_year_tables_match_the_api(browser, live_server, scenario: Scenario) -> None:
    api = _api_package(live_server, "alpha")
    browser.get(live_server.url + PACKAGE_PATH)
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('tr[data-month]')).map(r =>"
        " [r.dataset.month, r.cells[1].textContent, r.cells[2].textContent]);"
    )
    cells = {month: (_number(c), _number(d)) for month, c, d in rows}
    for month in api["monthly"]:
        assert cells.pop(month["month"]) == (month["distinct_clients"], month["downloads"])
    for year in api["yearly"]:
        assert cells.pop(f"{year['year']}-all") == (year["distinct_clients"], year["downloads"])
    assert set(cells.values()) == {(0, 0)}  # the remaining months had no downloads
    total = browser.find_element("id", "total-downloads").text
    assert _number(total) == api["downloads_total"]
    assert (
        _number(browser.find_element("id", "total-clients").text) == api["distinct_clients_total"]
    )
    assert browser.find_element("id", "rank").text.startswith(str(api["rank"]))


def test_links_lead_to_tab_files_and_badges(browser, live_server, scenario: Scenario) -> None:
    browser.get(live_server.url + PACKAGE_PATH)
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('#tab-links a')).map(a => a.href);"
    )
    tab_links = [h for h in hrefs if h.endswith(".tab")]
    assert [h.rsplit("/", 1)[1] for h in tab_links] == [
        "alpha_stats.tab",
        "alpha_2024_stats.tab",
        "alpha_2023_stats.tab",
    ]
    api = _api_package(live_server, "alpha")
    yearly = {y["year"]: y for y in api["yearly"]}
    for href in tab_links:
        status, content_type, body = _get(href)
        assert status == 200 and content_type.startswith("text/plain")
        lines = body.decode().splitlines()
        assert lines[0] == "Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads"
        for line in lines[1:]:
            year, month, ips, downloads = line.split("\t")
            if month == "all":
                assert (int(ips), int(downloads)) == (
                    yearly[int(year)]["distinct_clients"],
                    yearly[int(year)]["downloads"],
                )
    images = browser.execute_script(
        "return Array.from(document.querySelectorAll('.badge-snippet img')).map(i =>"
        " [i.src, i.complete, i.naturalWidth]);"
    )
    assert len(images) == 3
    for src, complete, width in images:
        assert complete and width > 40, src  # the SVG loaded and was decoded
        status, content_type, body = _get(src)
        assert status == 200 and content_type.startswith("image/svg+xml")
        assert body.startswith(b"<svg")


def test_screenshot_light_and_dark(
    browser, live_server, scenario: Scenario, artifacts: Path
) -> None:
    browser.get(live_server.url + PACKAGE_PATH)
    assert (
        browser.execute_script("return document.documentElement.getAttribute('data-bs-theme')")
        == "light"
    )
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 100, 4000))
    path = artifacts / "package_page.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000

    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    browser.get(live_server.url + PACKAGE_PATH)
    assert (
        browser.execute_script("return document.documentElement.getAttribute('data-bs-theme')")
        == "dark"
    )
    background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red + green + blue < 150  # a dark background
    assert browser.save_screenshot(str(artifacts / "package_page_dark.png"))


@pytest.mark.parametrize(
    ("path", "name"),
    [("/packages/stats/", "registry_index"), ("/packages/stats/software.html", "category_index")],
)
def test_screenshot_other_pages(
    browser, live_server, scenario: Scenario, artifacts: Path, path: str, name: str
) -> None:
    browser.get(live_server.url + path)
    charts = browser.execute_script(
        "return Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => Chart.getChart(c).data.datasets.length);"
    )
    assert charts and all(n >= 1 for n in charts)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 100, 4000))
    assert browser.save_screenshot(str(artifacts / f"{name}.png"))


def test_package_page_fits_a_phone(
    browser, live_server, scenario: Scenario, artifacts: Path
) -> None:
    browser.set_window_size(390, 844)
    browser.get(live_server.url + PACKAGE_PATH)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
    )
    assert overflow <= 0  # no sideways scrolling of the page itself
    assert (
        browser.execute_script(
            "return Chart.getChart(document.getElementById('package-chart')).width"
        )
        < 390
    )
    assert browser.save_screenshot(str(artifacts / "package_page_phone.png"))
