"""Every admin page a curator can reach answers, and none of them runs a query per row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin.conftest import FACTORIES

pytestmark = pytest.mark.django_db

STATS_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "stats"),
    key=lambda m: m._meta.model_name,
)


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:stats_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_a_factory() -> None:
    assert set(STATS_MODELS) == set(FACTORIES)
    # Clients (hashed addresses) and raw download facts stay out of the admin.
    assert {m.__name__ for m in STATS_MODELS}.isdisjoint({"Client", "SegmentDay"})


def test_index_lists_the_groups(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for model in STATS_MODELS:
        assert _url(model, "changelist") in response.content.decode()


@pytest.mark.parametrize("model", STATS_MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_page_answer(
    admin_client: Client, make_rows: Callable, model: type[Model]
) -> None:
    rows = make_rows(model, 3)
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) != []
    assert {r.pk for r in response.context["cl"].result_list} >= {r.pk for r in rows}

    response = admin_client.get(_url(model, "change", rows[0].pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", STATS_MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client: Client,
    make_rows: Callable,
    model: type[Model],
    django_assert_max_num_queries: Callable,
) -> None:
    """Same number of queries for 2 rows as for 12 (each under its own registry)."""
    url = _url(model, "changelist")
    make_rows(model, 2)
    admin_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    make_rows(model, 10)
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 12
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


@pytest.mark.parametrize(
    "model",
    [m for m in STATS_MODELS if any(f.name == "clients" for f in m._meta.concrete_fields)],
    ids=lambda m: m.__name__,
)
def test_summary_bitmaps_are_never_loaded(
    admin_client: Client, make_rows: Callable, model: type[Model]
) -> None:
    row = make_rows(model, 1)[0]
    column = f'"{model._meta.db_table}"."clients"'
    for url in (_url(model, "changelist"), _url(model, "change", row.pk)):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert response.status_code == 200
        assert not [q["sql"] for q in queries if column in q["sql"]]
    assert "distinct_clients" in str(response.context["adminform"].form.fields) or (
        "Distinct clients" in response.content.decode()
    )
    assert ">Clients:<" not in response.content.decode()
