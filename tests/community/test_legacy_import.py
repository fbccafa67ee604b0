"""Legacy nf-core import with the real files (tests/fixtures/nfcore): service, API, command."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from stats.models import (
    CommunityMetric,
    Contributor,
    Release,
    Repository,
    RepositoryDay,
    Role,
)
from stats.services.legacy_import import (
    LegacyImportError,
    SeriesKind,
    pipelines_import,
    series_import,
    stats_import,
)
from tests.accounts.helpers import bearer, member_token
from tests.factories import OrganisationFactory, RegistryFactory

pytestmark = pytest.mark.django_db
NFCORE = Path(__file__).resolve().parent.parent / "fixtures" / "nfcore"
DAY = dt.date(2025, 7, 16)


def _load(name: str):
    return json.loads((NFCORE / name).read_text())


def _state() -> dict[str, list]:
    """Everything the imports write, to compare before and after a repeat."""
    return {
        "repositories": list(Repository.objects.order_by("name").values()),
        "days": list(RepositoryDay.objects.order_by("repository_id", "day").values()),
        "releases": list(Release.objects.order_by("id").values()),
        "contributors": list(Contributor.objects.order_by("id").values()),
        "metrics": list(CommunityMetric.objects.order_by("id").values()),
    }


@pytest.fixture
def registry():
    return RegistryFactory(name="nf-core")


def test_pipelines_json_real_record(registry) -> None:
    result = pipelines_import(
        registry=registry, payload=_load("website_pipelines_airrflow_trimmed.json"), day=DAY
    )
    airrflow = Repository.objects.get(registry=registry, name="airrflow")
    assert airrflow.kind == "pipeline"
    assert airrflow.github_id == 160348245
    assert airrflow.topics == ["airr", "b-cell", "immcantation", "immunorepertoire", "repseq"]
    assert airrflow.created_at == dt.datetime(2018, 12, 4, 11, 39, 5, tzinfo=dt.UTC)
    day = RepositoryDay.objects.get(repository=airrflow, day=DAY)
    assert (
        day.stars,
        day.forks,
        day.network_forks,
        day.watchers,
        day.open_issues,
        day.open_prs,
    ) == (
        40,
        26,
        26,
        122,
        18,
        2,
    )
    # "dev" is the development branch, not a release.
    assert sorted(Release.objects.values_list("tag_name", flat=True)) == ["1.0.0", "3.2.0"]
    assert day.releases == 2
    assert dict(Contributor.objects.values_list("login", "commits")) == {
        "ggabernet": 1647,
        "ssnn-airr": 294,
        "apeltzer": 118,
    }
    assert (result.created, result.updated, result.unchanged, result.repositories) == (7, 0, 0, 1)


def test_pipelines_import_twice_changes_nothing(registry) -> None:
    payload = _load("website_pipelines_airrflow_trimmed.json")
    pipelines_import(registry=registry, payload=payload, day=DAY)
    before = _state()
    again = pipelines_import(registry=registry, payload=payload, day=DAY)
    assert _state() == before
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


def test_pipelines_nulls_and_missing_fields_leave_values(registry) -> None:
    payload = _load("website_pipelines_airrflow_trimmed.json")
    pipelines_import(registry=registry, payload=payload, day=DAY)
    sparse = copy.deepcopy(payload)
    record = sparse["remote_workflows"][0]
    record["stargazers_count"] = None
    for key in ("forks_count", "subscribers_count", "contributors", "releases", "topics"):
        record.pop(key)
    pipelines_import(registry=registry, payload=sparse, day=DAY)
    day = RepositoryDay.objects.get(repository__name="airrflow", day=DAY)
    assert (day.stars, day.forks, day.watchers, day.releases) == (40, 26, 122, 2)


def test_pipelines_bad_value_names_the_field(registry) -> None:
    payload = _load("website_pipelines_airrflow_trimmed.json")
    payload["remote_workflows"][0]["forks_count"] = "many"
    with pytest.raises(LegacyImportError, match=r"^remote_workflows\.0\.forks_count: "):
        pipelines_import(registry=registry, payload=payload, day=DAY)
    with pytest.raises(LegacyImportError, match=r"^remote_workflows: Field required"):
        pipelines_import(registry=registry, payload={"pipelines": []}, day=DAY)
    assert not Repository.objects.exists()  # one transaction: nothing half-written


def test_stats_json_real_file(registry) -> None:
    payload = _load("nfcore_stats_regulatory_stats.json")
    result = stats_import(registry=registry, payload=payload, day=DAY)
    assert result.repositories == len(payload) == 124
    airrflow = RepositoryDay.objects.get(repository__name="airrflow", day=DAY)
    assert (airrflow.stars, airrflow.watchers, airrflow.forks, airrflow.open_issues) == (
        64,
        165,
        45,
        30,
    )
    assert (
        airrflow.issues_total,
        airrflow.issues_closed,
        airrflow.prs_total,
        airrflow.prs_closed,
    ) == (
        110,
        79,
        293,
        286,
    )
    assert airrflow.median_issue_close_seconds == 4072163.0
    assert airrflow.contributors is None  # contributor_stats is null in the file
    # mitodetect's issue_stats is null: its other numbers still come in.
    assert RepositoryDay.objects.get(repository__name="mitodetect", day=DAY).issues_total is None
    abotyper = RepositoryDay.objects.get(repository__name="abotyper", day=DAY)
    assert (abotyper.issues_total, abotyper.prs_total, abotyper.contributors) == (None, 3, 1)
    before = _state()
    again = stats_import(registry=registry, payload=payload, day=DAY)
    assert _state() == before
    assert again.created == again.updated == 0


def test_csv_series_real_files(registry) -> None:
    text = (NFCORE / "nfcore_stats_static_github_prs.csv").read_text()
    rows = text.strip().splitlines()[1:]
    result = series_import(registry=registry, kind=SeriesKind.GITHUB_PRS, text=text)
    days = {r.split(",")[0].strip("'") for r in rows}
    assert result.created == 2 * len(days)
    last_day, closed, still_open = rows[-1].split(",")
    metric = CommunityMetric.objects.get(name="github_prs_closed_merged", day=last_day.strip("'"))
    assert metric.value == int(closed)
    latest_open = CommunityMetric.objects.get(name="github_prs_open", day=last_day.strip("'"))
    assert latest_open.value == int(still_open)
    again = series_import(registry=registry, kind=SeriesKind.GITHUB_PRS, text=text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, result.created)
    numbers = (NFCORE / "nfcore_stats_static_pipeline_numbers.csv").read_text()
    series_import(registry=registry, kind=SeriesKind.PIPELINE_NUMBERS, text=numbers)
    first = CommunityMetric.objects.get(name="pipelines_in_development", day="2018-03-12")
    assert first.value == 1


def test_csv_errors_name_line_and_column(registry) -> None:
    with pytest.raises(LegacyImportError, match="missing column"):
        series_import(
            registry=registry, kind=SeriesKind.GITHUB_PRS, text="date,open\n'2020-01-01',1\n"
        )
    bad = "date,closed_merged,open\n'2020-01-01',1,2\n'2020-01-02',x,2\n"
    with pytest.raises(LegacyImportError, match=r"line 3, closed_merged"):
        series_import(registry=registry, kind=SeriesKind.GITHUB_PRS, text=bad)


@pytest.fixture
def curator() -> tuple[str, str]:
    owner = OrganisationFactory(name="nf-core-org")
    RegistryFactory(name="nf-core", organisation=owner)
    return "nf-core", member_token(owner, Role.CURATOR)


def test_api_put_pipelines_is_authenticated_and_idempotent(client: Client, curator) -> None:
    name, token = curator
    body = (NFCORE / "website_pipelines_airrflow_trimmed.json").read_text()
    url = f"/api/v1/import/{name}/pipelines?day=2025-07-16"
    assert client.put(url, body, content_type="application/json").status_code == 401
    first = client.put(url, body, content_type="application/json", **bearer(token))
    assert first.status_code == 200, first.content
    assert first.json() == {
        "registry": name,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "repositories": 1,
    }
    second = client.put(url, body, content_type="application/json", **bearer(token)).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 7)


def test_api_400_names_the_field(client: Client, curator) -> None:
    name, token = curator
    payload = _load("website_pipelines_airrflow_trimmed.json")
    payload["remote_workflows"][0]["releases"][0]["published_at"] = "last tuesday"
    response = client.put(
        f"/api/v1/import/{name}/pipelines",
        json.dumps(payload),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("remote_workflows.0.releases.0.published_at:")
    broken = client.put(
        f"/api/v1/import/{name}/stats",
        "{not json",
        content_type="application/json",
        **bearer(token),
    )
    assert broken.status_code == 400
    assert broken.json()["message"].startswith("body: not JSON")
    kind = client.put(
        f"/api/v1/import/{name}/series/tweets", "date\n", content_type="text/csv", **bearer(token)
    )
    assert kind.status_code == 400
    assert "kind: unknown series" in kind.json()["message"]


def test_api_series_csv_and_twitter(client: Client, curator) -> None:
    name, token = curator
    text = (NFCORE / "nfcore_stats_static_pipeline_numbers.csv").read_text()
    response = client.put(
        f"/api/v1/import/{name}/series/pipeline-numbers",
        text,
        content_type="text/csv",
        **bearer(token),
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == CommunityMetric.objects.count() > 0
    twitter = (NFCORE / "nfcore_stats_twitter_account_stats.json").read_text()
    response = client.put(
        f"/api/v1/import/{name}/twitter", twitter, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200
    followers = CommunityMetric.objects.get(name="twitter_followers")
    assert (followers.value, followers.day) == (4282, dt.date(2024, 9, 4))


def test_command_imports_every_file_and_twice_changes_nothing(registry, tmp_path) -> None:
    # The website file is of February 2024 and the stats file of July 2025: each its day,
    # or the second would overwrite the first's numbers of the same day on every repeat.
    website = [
        "--registry=nf-core",
        f"--pipelines={NFCORE / 'website_pipelines_airrflow_trimmed.json'}",
        "--day=2024-02-29",
    ]
    stats = [
        "--registry=nf-core",
        f"--stats={NFCORE / 'nfcore_stats_regulatory_stats.json'}",
        f"--prs-csv={NFCORE / 'nfcore_stats_static_github_prs.csv'}",
        f"--pipeline-numbers-csv={NFCORE / 'nfcore_stats_static_pipeline_numbers.csv'}",
        f"--twitter={NFCORE / 'nfcore_stats_twitter_account_stats.json'}",
        "--day=2025-07-16",
    ]
    for args in (website, stats):
        call_command("import_nfcore", *args, stdout=(tmp_path / "first").open("a"))
    before = _state()
    assert Repository.objects.count() == 124
    assert (
        RepositoryDay.objects.get(repository__name="airrflow", day=dt.date(2024, 2, 29)).stars == 40
    )
    assert RepositoryDay.objects.get(repository__name="airrflow", day=DAY).stars == 64
    for args in (website, stats):
        call_command("import_nfcore", *args, stdout=(tmp_path / "second").open("a"))
    assert _state() == before
    second = (tmp_path / "second").read_text()
    assert second.count(" 0 created, 0 updated,") == 5, second


def _workflow(**fields) -> dict:
    return {"remote_workflows": [{"name": "rnaseq", **fields}]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_workflow(forks_count=2**31), "remote_workflows.0.forks_count"),  # PositiveIntegerField
        (_workflow(stargazers_count=2**70), "remote_workflows.0.stargazers_count"),
        (_workflow(id=2**63), "remote_workflows.0.id"),  # BigIntegerField
        (_workflow(contributors=[{"name": "a", "count": 2**64}]), "contributors.0.count"),
        ({"remote_workflows": [], "updated": 1e20}, "updated"),  # beyond datetime
        ({"remote_workflows": [], "updated": float("inf")}, "updated"),
        (_workflow(created_at="9999-12-31T23:00:00-05:00"), "remote_workflows.0.created_at"),
        (_workflow(created_at="0001-01-01T00:00:00+05:00"), "remote_workflows.0.created_at"),
        (
            _workflow(releases=[{"tag_name": "1.0", "published_at": "9999-12-31T23:59:59-01:00"}]),
            "releases.0.published_at",
        ),
        (_workflow(name="x" * 201), "remote_workflows.0.name"),  # CharField(max_length=200)
        (_workflow(name="rna\x00seq"), "remote_workflows.0.name"),  # PostgreSQL refuses NUL
        (_workflow(releases=[{"tag_name": "1.0", "tag_sha": "f" * 65}]), "releases.0.tag_sha"),
        (_workflow(topics=["ok", "a\x00b"]), "remote_workflows.0.topics.1"),
    ],
)
def test_pipelines_values_the_database_cannot_hold_are_refused(
    registry, payload: dict, field: str
) -> None:
    """Beyond a column's range, a datetime's or PostgreSQL's text: was a 500 when saved."""
    with pytest.raises(LegacyImportError, match=rf"^[^ ]*{field}: "):
        pipelines_import(registry=registry, payload=payload, day=DAY)
    assert not Repository.objects.exists()


@pytest.mark.parametrize(
    "entry",
    [
        {"pipeline_stats": {"stargazers_count": 2**31}},
        {"issue_stats": {"median_seconds_to_issue_closed": float("inf")}},  # JSON "Infinity"
        {"issue_stats": {"median_seconds_to_pr_closed": float("nan")}},
        {"pipeline_stats": {"name": "a\x00"}},
    ],
)
def test_stats_values_the_database_or_json_cannot_hold_are_refused(registry, entry) -> None:
    """An infinite median was stored and then answered as ``Infinity``, which is not JSON."""
    with pytest.raises(LegacyImportError, match=r"^rnaseq\."):
        stats_import(registry=registry, payload={"rnaseq": entry}, day=DAY)


@pytest.mark.parametrize("name", ["rna\x00seq", "x" * 201])
def test_stats_keys_are_repository_names_the_column_can_hold(registry, name: str) -> None:
    with pytest.raises(LegacyImportError, match=r"^'(rna|xxx)"):
        stats_import(registry=registry, payload={name: {}}, day=DAY)
    assert not Repository.objects.exists()


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (
            _workflow(name="x" * 201),
            "remote_workflows.0.name: String should have at most 200 characters",
        ),
        (
            _workflow(contributors=[{"name": "x" * 101}]),
            "remote_workflows.0.contributors.0.name: String should have at most 100 characters",
        ),
        (
            _workflow(html_url="h" * 501),
            "remote_workflows.0.html_url: String should have at most 500 characters",
        ),
    ],
)
def test_a_too_long_text_is_named_in_characters(registry, payload: dict, says: str) -> None:
    """The length was checked after the NUL check, and pydantic then said 'Value should
    have at most 200 items after validation' of a string."""
    with pytest.raises(LegacyImportError) as raised:
        pipelines_import(registry=registry, payload=payload, day=DAY)
    assert str(raised.value) == says


@pytest.mark.parametrize(
    "day", [dt.date(1, 1, 1), dt.date(1969, 12, 31), dt.date(3000, 1, 1), dt.date(9999, 12, 31)]
)
def test_snapshot_days_outside_the_supported_range_are_refused(registry, day) -> None:
    """A day of 9999-12-31 was stored, then the community page failed stepping past it."""
    with pytest.raises(LegacyImportError, match=r"^day: "):
        pipelines_import(registry=registry, payload=_workflow(), day=day)
    with pytest.raises(LegacyImportError, match=r"^day: "):
        stats_import(registry=registry, payload={"rnaseq": {}}, day=day)
    with pytest.raises(LegacyImportError, match=r"^line 2, date: "):
        series_import(
            registry=registry,
            kind=SeriesKind.GITHUB_PRS,
            text=f"date,closed_merged,open\n{day.isoformat()},1,1\n",
        )


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u0663", "9223372036854775808", "1" * 30, "1" * 5000, "0" * 9 + "9" * 20]
)
def test_csv_counts_must_be_ascii_and_fit_the_column(registry, value: str) -> None:
    """'²' passed str.isdigit() and then failed int() (a 500); huge counts overflowed."""
    with pytest.raises(LegacyImportError, match=r"^line 2, open: expected a count"):
        series_import(
            registry=registry,
            kind=SeriesKind.GITHUB_PRS,
            text=f"date,closed_merged,open\n2024-01-01,1,{value}\n",
        )
    assert not CommunityMetric.objects.exists()


def test_api_odd_bodies_are_400_json(client: Client, curator) -> None:
    name, token = curator
    cases = [
        ("pipelines?day=0001-01-01", json.dumps(_workflow()), "application/json"),
        ("pipelines", '{"remote_workflows": ' + "[" * 5000 + "]" * 5000 + "}", "application/json"),
        ("stats", '{"a": ' + "[" * 5000, "application/json"),
        ("twitter", '{"followers_count": 1, "timestamp": Infinity}', "application/json"),
        ("twitter", '{"followers_count": 1, "timestamp": 1e300}', "application/json"),
        (
            "twitter",
            '{"followers_count": 1180591620717411303424, "timestamp": 1}',
            "application/json",
        ),
        ("twitter", '{"followers_count": ' + "1" * 5000 + ', "timestamp": 1}', "application/json"),
        ("series/github-prs", "date,closed_merged,open\n2024-01-01,\u00b2,1\n", "text/csv"),
        (
            "series/github-prs",
            "date,closed_merged,open\n2024-01-01,1,99999999999999999999\n",
            "text/csv",
        ),
    ]
    for path, body, content_type in cases:
        response = client.put(
            f"/api/v1/import/{name}/{path}", body, content_type=content_type, **bearer(token)
        )
        assert response.status_code == 400, (path, body[:60], response.content)
        assert response.json()["message"], (path, body[:60])
    assert not Repository.objects.exists() and not CommunityMetric.objects.exists()
