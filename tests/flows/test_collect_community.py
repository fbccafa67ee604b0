"""The collect-community flow, run for real against the replayed GitHub organisation."""

from __future__ import annotations

import datetime as dt

import pytest

from stats.models import RepositoryDay
from tests.community.conftest import community_settings, nfcore, serve_github_org, server
from workflows.flows.collect_community import collect_community

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["community_settings", "nfcore", "server"]  # fixtures used below


def test_collect_community_flow_reports_each_collector(nfcore, community_settings, server) -> None:
    serve_github_org(server)
    server.json("/youtube/v3/channels", {"items": [{"statistics": {"viewCount": "7"}}]})
    (report,) = collect_community(registries=["nf-core"], collectors=["github", "youtube"])
    assert report["registry"] == "nf-core"
    statuses = {o["collector"]: o["status"] for o in report["outcomes"]}
    assert statuses == {"github": "ok", "youtube": "ok"}
    today = dt.datetime.now(tz=dt.UTC).date()
    assert RepositoryDay.objects.get(repository__name="airrflow", day=today).stars == 40
    assert report["written"] > 0
