"""A replay server per test, and settings pointing every community API at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from stats.models import CommunitySource, Registry
from tests.community.replay import ReplayServer, fixture
from tests.factories import RegistryFactory

PIPELINES = ["airrflow", "rnaseq"]


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer().start()
    yield replay
    replay.stop()


@pytest.fixture
def community_settings(settings: Settings, server: ReplayServer) -> Settings:
    """Every API at the local server, real tokens' shapes, no waiting between retries."""
    community = settings.STATS.community.model_copy(
        update={
            "github_api_url": server.url,
            "slack_api_url": server.url + "/slack",
            "youtube_api_url": server.url + "/youtube/v3",
            "twitter_api_url": server.url + "/2",
            "github_token": _secret("ghp_testtoken0000000000000000000000000000"),
            "slack_token": _secret("xoxb-test-token"),
            "youtube_key": _secret("AIza-test-key"),
            "twitter_bearer": _secret("AAAA-test-bearer"),
            "pipeline_names": PIPELINES,
            "retries": 2,
            "backoff_seconds": 0.0,
            "max_wait_seconds": 1.0,
            "timeout_seconds": 2.0,
        }
    )
    settings.STATS = settings.STATS.model_copy(update={"community": community})
    return settings


def _secret(value: str):
    from pydantic import SecretStr

    return SecretStr(value)


@pytest.fixture
def nfcore(db: None) -> Registry:
    registry = RegistryFactory(name="nf-core", title="nf-core")
    CommunitySource.objects.create(
        registry=registry,
        github_organisation="nf-core",
        slack_enabled=True,
        youtube_channel_id="UCyu4ZoZ8mXWNNoKvNVyEpLw",
        twitter_username="nf_core",
    )
    return registry


def serve_github_org(server: ReplayServer) -> None:
    """The nf-core organisation as recorded: 3 repositories over 2 pages, 5 members over 2."""
    base = server.url
    server.json(
        "/orgs/nf-core/repos",
        fixture("github/org_repos_page1.json"),
        link=f'<{base}/orgs/nf-core/repos?per_page=100&page=2>; rel="next", '
        f'<{base}/orgs/nf-core/repos?per_page=100&page=2>; rel="last"',
        etag='W/"repos-page-1"',
    )
    server.json(
        "/orgs/nf-core/repos",
        fixture("github/org_repos_page2.json"),
        query={"page": "2"},
        link=f'<{base}/orgs/nf-core/repos?per_page=100&page=1>; rel="prev"',
    )
    server.json(
        "/orgs/nf-core/members",
        fixture("github/org_members_page1.json"),
        link=f'<{base}/orgs/nf-core/members?per_page=100&page=2>; rel="next"',
    )
    server.json(
        "/orgs/nf-core/members", fixture("github/org_members_page2.json"), query={"page": "2"}
    )
    for name in ("airrflow", "rnaseq", "tools"):
        path = f"/repos/nf-core/{name}"
        server.json(path, fixture(f"github/repo_{name}.json"), etag=f'"{name}-etag"')
        server.json(
            f"{path}/releases",
            fixture("github/releases_airrflow.json") if name == "airrflow" else [],
        )
        server.json(f"{path}/traffic/views", fixture("github/traffic_views_airrflow.json"))
        server.json(f"{path}/traffic/clones", fixture("github/traffic_clones_airrflow.json"))
        server.json(
            f"{path}/stats/contributors", fixture("github/stats_contributors_airrflow.json")
        )
        issues = fixture("github/issues_airrflow.json") if name == "airrflow" else []
        comments = fixture("github/issue_comments_airrflow.json") if name == "airrflow" else []
        server.json(f"{path}/issues", issues)
        server.json(f"{path}/issues/comments", comments)
