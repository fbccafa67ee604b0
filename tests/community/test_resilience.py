"""Rate limits, 5xx and timeouts: stop cleanly, keep what was written, resume next run."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from stats.models import CollectionRun, Repository, RepositoryDay
from stats.services.community import CollectorStatus, collect_registry_community
from stats.services.community.http import ApiClient, RateLimited, SourceError
from tests.community.conftest import serve_github_org
from tests.community.replay import ReplayServer, Reply, fixture

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 14)


def _collect(registry):
    return collect_registry_community(registry=registry, names=["github"], day=DAY)


def _exhausted(reset_in: float) -> Reply:
    reset = str(int(time.time() + reset_in))
    return Reply(
        403,
        {
            "message": "API rate limit exceeded for user ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": reset,
            "x-ratelimit-resource": "core",
        },
    )


def test_rate_limit_stops_cleanly_and_resumes(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    server.add("/repos/nf-core/rnaseq", _exhausted(3600))
    report = _collect(nfcore)
    outcome = report.outcome("github")
    assert outcome.status == CollectorStatus.RATE_LIMITED
    assert outcome.resume_after is not None
    assert outcome.resume_after > dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=50)
    # airrflow was finished before the limit: kept and marked done; rnaseq and tools not.
    done = dict(Repository.objects.values_list("name", "collected_on"))
    assert done == {"airrflow": DAY, "rnaseq": None, "tools": None}
    assert RepositoryDay.objects.get(repository__name="airrflow", day=DAY).stars == 40
    assert not server.requests_to("/repos/nf-core/tools")  # no request after the limit

    # A run before the reset sends nothing at all.
    before = len(server.seen)
    assert _collect(nfcore).outcome("github").status == CollectorStatus.WAITING
    assert len(server.seen) == before

    # After the reset the next run resumes with the repositories not reached yet.
    CollectionRun.objects.update(resume_after=dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=1))
    server.json("/repos/nf-core/rnaseq", fixture("github/repo_rnaseq.json"))
    airrflow_reads = len(server.requests_to("/repos/nf-core/airrflow"))
    assert _collect(nfcore).outcome("github").status == CollectorStatus.OK
    assert len(server.requests_to("/repos/nf-core/airrflow")) == airrflow_reads
    assert RepositoryDay.objects.get(repository__name="tools", day=DAY).stars == 260
    assert set(Repository.objects.values_list("collected_on", flat=True)) == {DAY}


def test_secondary_rate_limit_429_short_wait_is_waited_out(
    nfcore, community_settings, server
) -> None:
    serve_github_org(server)
    server.add(
        "/repos/nf-core/tools",
        Reply(429, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": "0"}),
        Reply(200, fixture("github/repo_tools.json")),
    )
    assert _collect(nfcore).outcome("github").status == CollectorStatus.OK
    assert len(server.requests_to("/repos/nf-core/tools")) == 2


def test_spent_quota_on_a_success_stops_before_the_next_request(server: ReplayServer) -> None:
    reset = str(int(time.time() + 3600))
    server.json("/a", {"ok": 1}, x_ratelimit_remaining="0", x_ratelimit_reset=reset)
    server.json("/b", {"ok": 2})
    with ApiClient(base_url=server.url, backoff=0, max_wait=1) as client:
        assert client.get("/a").data == {"ok": 1}
        with pytest.raises(RateLimited):
            client.get("/b")
    assert not server.requests_to("/b")


def test_5xx_retried_then_failed(nfcore, community_settings, server: ReplayServer) -> None:
    serve_github_org(server)
    server.add("/orgs/nf-core/repos", Reply(502, {"message": "Server Error"}))
    outcome = _collect(nfcore).outcome("github")
    assert outcome.status == CollectorStatus.FAILED
    assert "HTTP 502" in outcome.detail
    assert len(server.requests_to("/orgs/nf-core/repos")) == 3  # 1 + 2 retries
    run = CollectionRun.objects.get()
    assert run.status == CollectorStatus.FAILED


def test_5xx_then_success_is_retried(server: ReplayServer) -> None:
    server.add("/x", Reply(503, {}), Reply(500, {}), Reply(200, [1, 2]))
    with ApiClient(base_url=server.url, backoff=0, retries=2) as client:
        assert client.get("/x").data == [1, 2]


def test_timeouts_retried_then_failed(server: ReplayServer) -> None:
    server.add("/slow", Reply(200, {}, delay=1.0))
    client = ApiClient(base_url=server.url, backoff=0, retries=1, timeout=0.2)
    with client, pytest.raises(SourceError, match="ReadTimeout after 1 retries"):
        client.get("/slow")
    assert len(server.requests_to("/slow")) == 2


def test_timeout_then_answer(server: ReplayServer) -> None:
    server.add("/slow", Reply(200, {"n": 1}, delay=1.0), Reply(200, {"n": 2}))
    with ApiClient(base_url=server.url, backoff=0, retries=2, timeout=0.3) as client:
        assert client.get("/slow").data == {"n": 2}


def test_link_pagination_follows_next_until_none(server: ReplayServer) -> None:
    base = server.url
    server.json(
        "/items",
        [1, 2],
        link=f'<{base}/items?page=2>; rel="next", <{base}/items?page=3>; rel="last"',
    )
    server.json("/items", [3, 4], query={"page": "2"}, link=f'<{base}/items?page=3>; rel="next"')
    server.json("/items", [5], query={"page": "3"}, link=f'<{base}/items?page=1>; rel="first"')
    with ApiClient(base_url=server.url) as client:
        assert list(client.paginate("/items")) == [1, 2, 3, 4, 5]
