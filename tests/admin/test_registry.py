"""The registry form refuses rules ingestion could not use, with a message saying why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from stats.admin import registry as registry_admin
from stats.admin.registry import RegistryForm
from stats.models import Registry, RuleSet
from tests.factories import CategoryFactory, PackageFactory, RegistryFactory

pytestmark = pytest.mark.django_db

GOOD_REGEX = r"^/pipelines/(?P<package>[a-z0-9-]+)/(?P<version>[0-9.]+)\.zip$"


def _data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "nf-core",
        "title": "nf-core",
        "is_public": "on",
        "timezone": "Europe/London",
        "rule_set": RuleSet.GENERIC,
        "download_regex": GOOD_REGEX,
        "counted_statuses": "200, 206",
        "counted_methods": "GET",
        "bot_patterns": "",
        "mirror_patterns": "",
        "log_sources": "",
        "manifest_url": "",
        "website_urls": "",
    }
    data.update(overrides)
    return data


def _errors(**overrides: Any) -> dict[str, list[str]]:
    form = RegistryForm(data=_data(**overrides))
    assert not form.is_valid()
    return form.errors


def test_valid_rules_are_saved_as_lists() -> None:
    form = RegistryForm(
        data=_data(
            counted_statuses="200 206,304",
            counted_methods="GET, HEAD",
            bot_patterns="(?i)crawler\nmonitoring-[0-9]+\n",
            mirror_patterns="^10\\.0\\.",
            website_urls="https://nf-co.re\nhttps://github.com/nf-core",
            log_sources="/logs/nfcore/*.log.gz",
        )
    )
    assert form.is_valid(), form.errors
    registry = form.save()
    registry.refresh_from_db()
    assert registry.counted_statuses == [200, 206, 304]
    assert registry.counted_methods == ["GET", "HEAD"]
    assert registry.bot_patterns == ["(?i)crawler", "monitoring-[0-9]+"]
    assert registry.mirror_patterns == ["^10\\.0\\."]
    assert registry.website_urls == ["https://nf-co.re", "https://github.com/nf-core"]
    assert registry.log_sources == ["/logs/nfcore/*.log.gz"]
    assert registry.timezone == "Europe/London"


def test_invalid_regex_is_refused() -> None:
    errors = _errors(download_regex="^/packages/(?P<package>[a-z+")
    assert "download_regex" in errors
    assert (
        "regular expression" in errors["download_regex"][0]
        or "regex" in (errors["download_regex"][0])
    )


def test_regex_without_package_group_is_refused() -> None:
    errors = _errors(download_regex=r"^/packages/([a-z]+)\.tgz$")
    assert "(?P<package>...)" in errors["download_regex"][0]


def test_generic_registry_needs_a_regex() -> None:
    errors = _errors(download_regex="  ")
    assert errors["download_regex"] == [
        "A registry with generic rules needs a download regex with a named group (?P<package>...)."
    ]


def test_bioconductor_registry_needs_no_regex() -> None:
    form = RegistryForm(data=_data(name="bioc", rule_set=RuleSet.BIOCONDUCTOR, download_regex=""))
    assert form.is_valid(), form.errors
    assert form.save().download_regex == ""


@pytest.mark.parametrize("statuses", ["200, 700", "200, abc", "99", "2OO", "²00"])
def test_bad_status_code_is_refused(statuses: str) -> None:
    errors = _errors(counted_statuses=statuses)
    message = errors["counted_statuses"][0]
    assert "is not an HTTP status code (an integer from 100 to 599)" in message


def test_every_bad_status_is_named() -> None:
    errors = _errors(counted_statuses="200, 700, 42")
    assert len(errors["counted_statuses"]) == 2
    assert "“700”" in errors["counted_statuses"][0]
    assert "“42”" in errors["counted_statuses"][1]


@pytest.mark.parametrize("methods", ["get", "GET, POST!", "G3T"])
def test_bad_method_is_refused(methods: str) -> None:
    errors = _errors(counted_methods=methods)
    assert "is not an HTTP method" in errors["counted_methods"][0]


def test_bad_bot_and_mirror_patterns_are_refused() -> None:
    errors = _errors(bot_patterns="ok-bot\n(unclosed", mirror_patterns="[")
    assert "“(unclosed” is not a valid regular expression" in errors["bot_patterns"][0]
    assert "“[” is not a valid regular expression" in errors["mirror_patterns"][0]


def test_unknown_timezone_is_refused() -> None:
    errors = _errors(timezone="Mars/Olympus")
    assert "not a known time zone" in errors["timezone"][0]


def test_bad_website_url_is_refused() -> None:
    errors = _errors(website_urls="https://ok.example\nnot a url")
    assert "“not a url” is not an http(s) URL." in errors["website_urls"]


def test_engine_refusal_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(regex: str) -> None:
        raise ValueError("regex not supported by the log parser (no look-around)")

    monkeypatch.setattr(registry_admin, "_engine_validator", lambda: refuse)
    errors = _errors()
    assert errors["download_regex"] == ["regex not supported by the log parser (no look-around)"]


def test_engine_validator_is_found_when_present() -> None:
    validator = registry_admin._engine_validator()
    if validator is None:
        pytest.skip("stats.logparse.rules is not there yet")
    errors = _errors(download_regex=r"^/p/(?P<package>\w+)(?=\.tgz)")
    assert "download_regex" in errors


def _post_data(**overrides: Any) -> dict[str, Any]:
    return {
        **_data(**overrides),
        "categories-TOTAL_FORMS": "1",
        "categories-INITIAL_FORMS": "0",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
        "categories-0-name": "pipelines",
    }


def test_admin_add_page_shows_the_message(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:stats_registry_add"), _post_data(counted_statuses="200, 999")
    )
    assert response.status_code == 200
    assert "“999” is not an HTTP status code" in response.content.decode()
    assert not Registry.objects.filter(name="nf-core").exists()


def test_admin_add_page_saves_a_registry_with_a_category(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:stats_registry_add"), _post_data())
    assert response.status_code == 302, response.context and response.context["errors"]
    registry = Registry.objects.get(name="nf-core")
    assert registry.counted_statuses == [200, 206]
    assert list(registry.categories.values_list("name", flat=True)) == ["pipelines"]


def test_change_page_shows_lists_as_text(admin_client: Client) -> None:
    registry = RegistryFactory(counted_statuses=[200, 206], bot_patterns=["a+", "b+"])
    PackageFactory.create_batch(2, registry=registry, category=CategoryFactory(registry=registry))
    page = admin_client.get(reverse("admin:stats_registry_change", args=[registry.pk]))
    html = page.content.decode()
    assert 'value="200, 206"' in html
    assert ">\na+\nb+</textarea>" in html
    listing = admin_client.get(reverse("admin:stats_registry_changelist"))
    (row,) = listing.context["cl"].result_list
    assert row.package_count == 2
    packages = reverse("admin:stats_package_changelist")
    link = f'<a href="{packages}?registry__id__exact={registry.pk}">2</a>'
    assert link in listing.content.decode()


def test_registry_search_and_filter(admin_client: Client) -> None:
    RegistryFactory(name="bioconductor", rule_set=RuleSet.BIOCONDUCTOR, download_regex="")
    RegistryFactory(name="nf-core")
    url = reverse("admin:stats_registry_changelist")
    found = admin_client.get(url, {"q": "bioc"}).context["cl"].result_list
    assert [r.name for r in found] == ["bioconductor"]
    generic = admin_client.get(url, {"rule_set__exact": "generic"}).context["cl"].result_list
    assert [r.name for r in generic] == ["nf-core"]
