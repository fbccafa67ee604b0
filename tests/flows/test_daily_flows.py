"""refresh-stats, check-uptime and the daily chain, run for real."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from prefect import get_client
from pytest_django.fixtures import Settings

from stats.models import LogSegment, Package, PackageDay, UptimeCheck
from tests.services.ingest_helpers import nasa_registry
from workflows.deploy import deploy, deployment_named
from workflows.flows.check_uptime import check_uptime
from workflows.flows.daily import daily
from workflows.flows.ingest_logs import ingest_logs
from workflows.flows.refresh_stats import refresh_stats

pytestmark = pytest.mark.django_db(transaction=True)


class _Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/" else 503)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def website() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_refresh_stats_aggregates_only_registries_with_new_segments(
    small_segments: None, nasa_logs: Path
) -> None:
    fresh = nasa_registry("fresh")
    nasa_registry("idle")
    run = ingest_logs(registry="fresh", paths=[str(nasa_logs)])

    results = refresh_stats()

    assert [r["registry"] for r in results] == ["fresh"]
    assert results[0]["segments"] == run.segments
    assert not LogSegment.objects.filter(registry=fresh, aggregated=False).exists()
    total = sum(
        PackageDay.objects.filter(package__registry=fresh).values_list("downloads", flat=True)
    )
    assert total == run.downloads > 0
    assert refresh_stats() == []  # nothing new: nothing to do


def test_refresh_warms_the_tab_files_in_a_shared_cache(
    small_segments: None, nasa_logs: Path, settings: Settings
) -> None:
    settings.STATS = settings.STATS.model_copy(update={"redis_url": "redis://127.0.0.1:6379/12"})
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
        }
    }
    nasa_registry("warm")
    ingest_logs(registry="warm", paths=[str(nasa_logs)])

    (result,) = refresh_stats(registries=["warm"])

    assert result["warmed_files"] == [
        "/r/warm/packages/stats/site/site_pkg_stats.tab",
        "/r/warm/packages/stats/site/site_pkg_scores.tab",
    ]


def test_check_uptime_records_each_url(website: str) -> None:
    registry = nasa_registry("site")
    registry.website_urls = [f"{website}/", f"{website}/down", "http://127.0.0.1:9/"]
    registry.save()

    outcomes = check_uptime(registries=["site"], timeout_seconds=5)

    assert [(o.available, o.status_code) for o in outcomes] == [
        (True, 200),
        (False, 503),
        (False, None),
    ]
    rows = UptimeCheck.objects.filter(registry=registry).order_by("id")
    assert [(r.url, r.available) for r in rows] == [(o.url, o.available) for o in outcomes]
    assert rows[0].latency_ms is not None and rows[2].error


def test_daily_chains_manifest_ingestion_refresh_and_uptime(
    small_segments: None, nasa_logs: Path, tmp_path: Path, website: str
) -> None:
    registry = nasa_registry("daily")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "package,category\nshuttle,site\nhistory,site\nimages,site\nsoftware,site\nnew,site\n"
    )
    registry.manifest_url = str(manifest)
    registry.log_sources = [str(nasa_logs)]
    registry.website_urls = [f"{website}/"]
    registry.save()

    [report] = daily(registries=["daily"])

    assert report["manifest"]["added"] == 1 and report["manifest"]["applied"]
    assert Package.objects.filter(registry=registry, name="new").exists()
    assert report["ingest"]["segments"] > 10
    assert report["refresh"][0]["segments"] == report["ingest"]["segments"]
    assert report["uptime"][0]["available"]
    registry.refresh_from_db()
    assert registry.data_generation == 1 and registry.valid_through is not None
    second = daily(registries=["daily"])[0]
    assert second["ingest"]["segments"] == 0 and second["refresh"] == []


def test_daily_leaves_a_large_manifest_change_to_a_curator_run(
    tmp_path: Path, settings: Settings
) -> None:
    settings.STATS = settings.STATS.model_copy(
        update={
            "workflows": settings.STATS.workflows.model_copy(
                update={"manifest_confirm_threshold": 0}
            )
        }
    )
    deploy(deployment_named("update-manifest"))
    registry = nasa_registry("careful")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("package,category\nshuttle,site\nbrand-new,site\n")
    registry.manifest_url = str(manifest)
    registry.save()

    [report] = daily(registries=["careful"])

    assert report["manifest"]["needs_curator"] and not report["manifest"]["applied"]
    assert not Package.objects.filter(registry=registry, name="brand-new").exists()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(report["manifest_confirmation_run"]))
    assert run.parameters == {"registry": "careful"}
    assert run.state is not None and run.state.is_scheduled()  # waits for a worker
