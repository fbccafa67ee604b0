"""Facts and clients carry no database foreign keys; deletes still cascade to them."""

from __future__ import annotations

import pytest

from stats.models import Client, LogSegment, SegmentDownloads
from stats.services import bulk
from tests.factories import LogSegmentFactory, RegistryFactory, SegmentDownloadsFactory

pytestmark = pytest.mark.django_db


def test_deleting_a_segment_deletes_its_facts_only() -> None:
    kept, dropped = SegmentDownloadsFactory(), SegmentDownloadsFactory()
    dropped.segment.delete()
    assert list(SegmentDownloads.objects.all()) == [kept]


def test_deleting_a_registry_deletes_its_segments_facts_and_clients() -> None:
    registry, other = RegistryFactory(), RegistryFactory()
    segment = LogSegmentFactory(registry=registry)
    SegmentDownloadsFactory(segment=segment, package__registry=registry)
    bulk.upsert_clients(registry_id=registry.pk, digests=[b"a" * 16, b"b" * 16])
    bulk.upsert_clients(registry_id=other.pk, digests=[b"a" * 16])
    registry.delete()
    assert not LogSegment.objects.filter(pk=segment.pk).exists()
    assert not SegmentDownloads.objects.exists()
    assert list(Client.objects.values_list("registry_id", flat=True)) == [other.pk]
