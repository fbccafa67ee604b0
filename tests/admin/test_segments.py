"""Log segments: visible to curators, never edited, deletable by superusers to re-ingest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from stats.models import LogSegment, SegmentStatus
from tests.factories import LogSegmentFactory, PackageFactory, RegistryFactory, add_fact

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:stats_logsegment_changelist"


def _ids(client: Client, **params: object) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {s.pk for s in response.context["cl"].result_list}


@pytest.fixture
def staff_client(client: Client) -> Client:
    """A staff member with every LogSegment permission, but not a superuser."""
    user = User.objects.create_user("curator", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__model="logsegment"))
    client.force_login(user)
    return client


def test_list_shows_counts_and_filters(admin_client: Client) -> None:
    bioc = RegistryFactory(name="bioconductor")
    other = RegistryFactory(name="nf-core")
    done = LogSegmentFactory(
        registry=bioc,
        source="/logs/access.log.1.gz",
        start_offset=33554432,
        end_offset=67108864,
        lines=271828,
        malformed=3,
        downloads=31415,
        bots=2718,
        unknown=161,
        mirror_downloads=42,
        aggregated=True,
    )
    partial = LogSegmentFactory(
        registry=bioc, status=SegmentStatus.PARTIAL, status_reason="truncated gzip"
    )
    elsewhere = LogSegmentFactory(registry=other)

    html = admin_client.get(reverse(CHANGELIST), {"q": "access.log.1"}).content.decode()
    for text in ("33,554,432 to 67,108,864", "271828", "31415", "2718", "161", "42", "2.00 s"):
        assert text in html
    assert _ids(admin_client, registry__id__exact=bioc.pk) == {done.pk, partial.pk}
    assert _ids(admin_client, status__exact="partial") == {partial.pk}
    assert _ids(admin_client, aggregated__exact=0) == {partial.pk, elsewhere.pk}
    assert _ids(admin_client, q=done.content_hash) == {done.pk}


def test_detail_shows_samples_pre_formatted_and_escaped(admin_client: Client) -> None:
    segment = LogSegmentFactory(
        status=SegmentStatus.PARTIAL,
        status_reason="gzip stream ended early at byte 1048576",
        malformed=2,
        malformed_samples=[
            'garbage <script>alert("x")</script>',
            {"line": 17, "text": "GET /broken", "reason": "no status"},
        ],
    )
    package = PackageFactory(registry=segment.registry)
    add_fact(segment=segment, package=package, day=dt.date(2024, 1, 1), downloads=3)
    page = admin_client.get(reverse("admin:stats_logsegment_change", args=[segment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "gzip stream ended early at byte 1048576" in html
    assert "2 of 2 malformed lines kept as samples" in html
    assert "garbage &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</pre>" in html
    assert "<script>alert" not in html
    assert "&quot;line&quot;: 17" in html
    assert '<div class="readonly">1</div>' in html  # one download fact
    assert 'name="_save"' not in html  # a view page, no save button


def test_add_and_change_are_refused(admin_client: Client) -> None:
    segment = LogSegmentFactory(lines=10)
    assert admin_client.get(reverse("admin:stats_logsegment_add")).status_code == 403
    url = reverse("admin:stats_logsegment_change", args=[segment.pk])
    assert admin_client.post(url, {"lines": "999"}).status_code == 403
    segment.refresh_from_db()
    assert segment.lines == 10


def test_superuser_deletes_a_segment_and_its_facts(admin_client: Client) -> None:
    segment = LogSegmentFactory(aggregated=True)
    package = PackageFactory(registry=segment.registry)
    for day in range(1, 4):
        add_fact(segment=segment, package=package, day=dt.date(2024, 1, day), downloads=3)
    url = reverse("admin:stats_logsegment_delete", args=[segment.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert f"Log segment: {segment}" in html
    assert "<li>3 download facts</li>" in html  # summarised, not one line per fact
    assert "SegmentDay object" not in html
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not LogSegment.objects.filter(pk=segment.pk).exists()
    assert package.__class__.objects.filter(pk=package.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("refresh_stats --registry NAME --rebuild" in m for m in messages)


def test_bulk_delete_action_for_superusers(admin_client: Client) -> None:
    keep, *drop = LogSegmentFactory.create_batch(3)
    confirm = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [s.pk for s in drop]}
    )
    assert confirm.status_code == 200
    assert list(confirm.context["model_count"]) == [("log segments", 2), ("download facts", 0)]
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [s.pk for s in drop], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(LogSegment.objects.values_list("pk", flat=True)) == [keep.pk]


def test_staff_without_superuser_cannot_delete(staff_client: Client) -> None:
    segment = LogSegmentFactory()
    assert staff_client.get(reverse(CHANGELIST)).status_code == 200
    url = reverse("admin:stats_logsegment_delete", args=[segment.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert LogSegment.objects.filter(pk=segment.pk).exists()
