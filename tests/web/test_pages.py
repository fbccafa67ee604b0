"""Public pages rendered from real summaries: the numbers are REST's, the links work."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import caches
from django.db.models import F
from django.test import Client

from stats.models import Package, Registry
from stats.services.aggregation import refresh_registry_stats
from stats.web.pages_data import alphabet_groups, chart_months, year_tables
from tests.factories import PackageFactory
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(
        name="bioconductor", start=dt.date(2023, 11, 25), end=dt.date(2024, 1, 10)
    )
    refresh_registry_stats(registry=built.registry)
    built.registry.refresh_from_db()
    return built


def _chart(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html)
    assert match, chart_id
    return json.loads(match.group(1))


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_registry_index(client: Client, scenario: Scenario) -> None:
    for path in ("/packages/stats/", "/packages/stats/index.html"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for name in ("software", "annotation"):
        rest = client.get(f"/api/v1/registries/bioconductor/categories/{name}").json()
        directory = "data-annotation" if name == "annotation" else name
        row = re.search(
            rf'<a href="/packages/stats/{directory}.html">{name}</a></th>\s*'
            r'<td class="text-end">([\d,]+)</td>\s*<td class="text-end">([\d,]+)</td>\s*'
            r'<td class="text-end">([\d,]+)</td>',
            html,
        )
        assert row, name
        assert tuple(_number(g) for g in row.groups()) == (
            rest["packages"],
            rest["downloads_total"],
            rest["distinct_clients_total"],
        )
        assert f"/packages/stats/{directory}/{name}_pkg_stats.tab" in html
    chart = _chart(html, "registry-chart")
    assert chart["labels"] == ["2023-11", "2023-12", "2024-01"]
    software = client.get("/api/v1/registries/bioconductor/categories/software").json()
    assert dict(zip(chart["labels"], chart["datasets"][1]["data"], strict=True)) == {
        m["month"]: m["downloads"] for m in software["monthly"]
    }
    everything = client.get(
        "/api/v1/downloads/point/2023-11-01:2024-01-31?registry=bioconductor"
    ).json()
    total = re.search(r'data-total="downloads">([\d,]+)<', html).group(1)
    clients = re.search(r'data-total="distinct-clients">([\d,]+)<', html).group(1)
    assert _number(total) == everything["downloads"] > 0
    assert _number(clients) == everything["distinct_clients"] > 0
    assert 'aria-label="Monthly downloads of the registry' in html
    assert "<table" in html and 'id="registry-months"' in html  # the chart's table fallback


def test_category_index_top_and_a_to_z(client: Client, scenario: Scenario) -> None:
    PackageFactory(
        registry=scenario.registry, category=scenario.categories["software"], name="Zeta"
    )
    Package.objects.filter(name="beta").update(download_score=99)
    html = client.get("/packages/stats/software.html").content.decode()
    top = re.search(r'id="top-packages">(.*?)</table>', html, re.S).group(1)
    names = re.findall(r'<a href="/packages/stats/software/([^/]+)/">', top)
    scores = {n: p["download_score"] for n, p in _rest_scores(client).items()}
    assert names[0] == "beta"
    assert names == sorted(
        [n for n in ("alpha", "beta") if scores[n] > 0], key=lambda n: (-scores[n], n)
    )
    everything = re.search(r'id="all-packages">(.*?)</section>', html, re.S).group(1)
    listed = re.findall(
        r'<a href="/packages/stats/software/([^/]+)/">[^<]+</a> '
        r'<span class="text-body-secondary">\((\d+)\)</span>',
        everything,
    )
    assert listed == [("alpha", str(scores["alpha"])), ("beta", "99"), ("Zeta", "0")]
    assert 'id="letter-A"' in everything and 'id="letter-Z"' in everything
    assert 'role="search"' in html and 'name="q"' in html
    rest = client.get("/api/v1/registries/bioconductor/categories/software").json()
    table = dict(
        (month, (_number(ips), _number(downloads)))
        for month, ips, downloads in re.findall(
            r'<tr data-month="([\d-]+)"><td>[\d-]+</td><td class="text-end">([\d,]+)</td>'
            r'<td class="text-end">([\d,]+)</td>',
            html,
        )
    )
    assert table == {m["month"]: (m["distinct_clients"], m["downloads"]) for m in rest["monthly"]}
    chart = _chart(html, "category-chart")
    assert chart["datasets"][0]["data"] == [m["downloads"] for m in rest["monthly"]]

    found = client.get("/packages/stats/software.html", {"q": "ET"}).content.decode()
    assert re.findall(r'<a href="/packages/stats/software/([^/]+)/">', found) == ["beta", "Zeta"]
    assert "2 packages matching" in found
    none = client.get("/packages/stats/software.html", {"q": "nothing"}).content.decode()
    assert "No package matches." in none


def _rest_scores(client: Client) -> dict[str, dict]:
    rows = client.get("/api/v1/registries/bioconductor/packages?page_size=100").json()["items"]
    return {r["name"]: r for r in rows}


def test_category_paths(client: Client, scenario: Scenario) -> None:
    assert client.get("/packages/stats/data-annotation.html").status_code == 200
    moved = client.get("/packages/stats/annotation.html")
    assert moved.status_code == 301 and moved["Location"] == "/packages/stats/data-annotation.html"
    assert client.get("/packages/stats/nosuch.html").status_code == 404


def test_package_page_numbers_equal_rest(client: Client, scenario: Scenario) -> None:
    rest = client.get("/api/v1/registries/bioconductor/packages/alpha").json()
    response = client.get("/packages/stats/software/alpha/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        _number(re.search(r'id="total-downloads">([\d,]+)<', html).group(1))
        == rest["downloads_total"]
    )
    assert (
        _number(re.search(r'id="total-clients">([\d,]+)<', html).group(1))
        == rest["distinct_clients_total"]
    )
    assert f'id="rank">{rest["rank"]} <span class="fs-6 text-body-secondary">of 3</span>' in html
    cells = dict(
        (month, (_number(ips), _number(downloads)))
        for month, ips, downloads in re.findall(
            r'<tr[^>]*data-month="([\d]{4}-(?:\d\d|all))">.*?'
            r'<td class="text-end">([\d,]+)</td><td class="text-end">([\d,]+)</td>',
            html,
        )
    )
    for month in rest["monthly"]:
        assert cells.pop(month["month"]) == (month["distinct_clients"], month["downloads"])
    for year in rest["yearly"]:
        assert cells.pop(f"{year['year']}-all") == (year["distinct_clients"], year["downloads"])
    assert set(cells.values()) == {(0, 0)}
    chart = _chart(html, "package-chart")
    assert chart["labels"] == [m["month"] for m in rest["monthly"]]
    assert chart["datasets"][0]["data"] == [m["downloads"] for m in rest["monthly"]]
    assert chart["datasets"][1]["data"] == [m["distinct_clients"] for m in rest["monthly"]]


def test_package_page_links_work(client: Client, scenario: Scenario) -> None:
    html = client.get("/packages/stats/data-annotation/gamma/").content.decode()
    tab_links = re.findall(r'href="(/packages/stats/[^"]+\.tab)"', html)
    assert "/packages/stats/data-annotation/gamma/gamma_stats.tab" in tab_links
    assert "/packages/stats/data-annotation/gamma/gamma_2024_stats.tab" in tab_links
    for link in set(tab_links):
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.content.startswith(b"Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n")
    badges = re.findall(r'<img src="(/badge/[^"]+)"', html)
    assert badges == [
        "/badge/bioconductor/gamma",
        "/badge/bioconductor/gamma/total",
        "/badge/bioconductor/gamma/clients",
    ]
    for badge in badges:
        response = client.get(badge)
        assert response["Content-Type"].startswith("image/svg+xml")
        assert b"not found" not in response.content
    assert "[![Downloads in the last 30 days](http://testserver/badge/bioconductor/gamma)]" in html
    api = re.search(r'href="(/api/v1/registries/bioconductor/packages/gamma)"', html).group(1)
    assert client.get(api).json()["name"] == "gamma"


def test_package_page_paths(client: Client, scenario: Scenario) -> None:
    moved = client.get("/packages/stats/data-annotation/alpha/")
    assert moved.status_code == 301 and moved["Location"] == "/packages/stats/software/alpha/"
    assert client.get("/packages/stats/software/nosuch/").status_code == 404
    assert client.get("/packages/stats/software/alpha").status_code == 301  # APPEND_SLASH


def test_other_registries_under_r(client: Client, scenario: Scenario) -> None:
    other = build_scenario(name="nfcore", start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 5))
    refresh_registry_stats(registry=other.registry)
    html = client.get("/r/nfcore/packages/stats/").content.decode()
    assert 'href="/r/nfcore/packages/stats/software.html"' in html
    page = client.get("/r/nfcore/packages/stats/software/alpha/").content.decode()
    assert 'href="/r/nfcore/packages/stats/software/alpha/alpha_stats.tab"' in page
    assert client.get("/r/nfcore/packages/stats/software/alpha/alpha_stats.tab").status_code == 200
    assert client.get("/r/nosuch/packages/stats/").status_code == 404


def test_pages_are_cached_by_generation(client: Client, scenario: Scenario) -> None:
    first = client.get("/packages/stats/software/alpha/")
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    again = client.get("/packages/stats/software/alpha/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    Package.objects.filter(name="alpha").update(download_score=12345)
    assert b"12,345" not in client.get("/packages/stats/software/alpha/").content
    # What a refresh does last: bump the generation; the cached page is then unreachable.
    Registry.objects.filter(pk=scenario.registry.pk).update(
        data_generation=F("data_generation") + 1
    )
    fresh = client.get("/packages/stats/software/alpha/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert b'id="score">12,345<' in fresh.content


def test_static_assets_are_local(client: Client, scenario: Scenario) -> None:
    html = client.get("/packages/stats/software/alpha/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    assert 'data-bs-theme="light"' in html and "stats/theme.js" in html


def test_chart_months_fill_gaps() -> None:
    monthly = [
        {"month": "2023-11", "downloads": 5, "distinct_clients": 2},
        {"month": "2024-01", "downloads": 7, "distinct_clients": 3},
    ]
    filled = chart_months(monthly, dt.date(2024, 3, 31))
    assert [(m["month"], m["downloads"]) for m in filled] == [
        ("2023-11", 5),
        ("2023-12", 0),
        ("2024-01", 7),
        ("2024-02", 0),
        ("2024-03", 0),
    ]
    assert chart_months([], dt.date(2024, 3, 31)) == []


def test_year_tables_use_yearly_distinct_clients() -> None:
    tables = year_tables(
        [{"month": "2024-01", "downloads": 4, "distinct_clients": 3}],
        [
            {"year": 2023, "downloads": 1, "distinct_clients": 1},
            {"year": 2024, "downloads": 4, "distinct_clients": 3},
        ],
    )
    assert [t["year"] for t in tables] == [2024, 2023]
    assert len(tables[0]["months"]) == 12 and tables[0]["months"][0]["downloads"] == 4
    assert tables[1]["months"][0]["downloads"] == 0


def test_alphabet_groups() -> None:
    rows = [{"name": n} for n in ("beta", "Alpha", "2fast", "alpha2", "Beta")]
    groups = alphabet_groups(rows)
    assert [(g["letter"], [r["name"] for r in g["packages"]]) for g in groups] == [
        ("#", ["2fast"]),
        ("A", ["Alpha", "alpha2"]),
        ("B", ["Beta", "beta"]),
    ]
