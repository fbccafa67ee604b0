"""update-manifest: small changes load at once; large ones wait for a curator's answer,
given through Prefect's API as the dashboard's input form does."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from prefect.states import State
from pytest_django.fixtures import Settings

from stats.models import Package, Registry
from stats.services.registries import registry_configure
from tests.conftest import REPO_ROOT
from workflows.flows.update_manifest import ConfirmManifest, update_manifest

pytestmark = pytest.mark.django_db(transaction=True)

MANIFEST = REPO_ROOT / "tests" / "fixtures" / "packages_manifest.csv"
FULL = 5994  # packages in the real Bioconductor manifest


@pytest.fixture
def registry() -> Registry:
    return registry_configure(name="bioc", rule_set="bioconductor")[0]


@pytest.fixture
def small_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text("\n".join(MANIFEST.read_text().splitlines()[:31]) + "\n")
    return path


def test_small_change_loads_without_asking(registry: Registry, small_manifest: Path) -> None:
    outcome = update_manifest(registry="bioc", source=str(small_manifest))
    assert (outcome.added, outcome.applied, outcome.asked_curator) == (30, True, False)
    assert Package.objects.filter(registry=registry).count() == 30


def _deployed_run(parameters: dict[str, Any]) -> FlowRun:
    deployment_id = update_manifest.to_deployment(name="test-confirm").apply()
    with get_client(sync_client=True) as client:
        return client.create_flow_run_from_deployment(deployment_id, parameters=parameters)


def _execute(flow_run: FlowRun) -> State[Any]:
    """What a worker's flow-run process does (prefect.engine): run the flow for that run;
    a suspension ends the process (``Pause``), leaving the run suspended in the API."""
    with get_client(sync_client=True) as client:
        fresh = client.read_flow_run(flow_run.id)
        try:
            return run_flow(
                update_manifest, flow_run=fresh, parameters=fresh.parameters, return_type="state"
            )
        except Pause:
            state = client.read_flow_run(flow_run.id).state
            assert state is not None
            return state


@pytest.mark.parametrize("approve", [True, False])
def test_large_change_suspends_until_the_curator_answers(
    registry: Registry, small_manifest: Path, approve: bool
) -> None:
    update_manifest(registry="bioc", source=str(small_manifest))
    flow_run = _deployed_run({"registry": "bioc", "source": str(MANIFEST)})

    state = _execute(flow_run)

    assert state.name == "Suspended" and state.type == StateType.PAUSED
    assert Package.objects.filter(registry=registry).count() == 30  # nothing loaded yet
    keyset = state.state_details.run_input_keyset
    assert keyset is not None
    with get_client(sync_client=True) as client:
        schema = client.read_flow_run_input(flow_run.id, keyset["schema"])
        question = client.read_flow_run_input(flow_run.id, keyset["description"])
    assert {"approve", "comment"} <= set(json.loads(schema)["properties"])
    assert f"would add {FULL - 30}, change 0 and retire 0 packages" in json.loads(question)

    resume_flow_run(flow_run.id, run_input={"approve": approve, "comment": "release 3.22"})
    state = _execute(flow_run)

    assert state.is_completed(), state
    outcome = state.result()
    assert outcome.asked_curator and outcome.comment == "release 3.22"
    assert outcome.applied is approve
    assert outcome.added == FULL - 30
    expected = FULL if approve else 30
    assert Package.objects.filter(registry=registry).count() == expected


def test_run_outside_a_deployment_pauses_and_waits(
    registry: Registry, small_manifest: Path, settings: Settings
) -> None:
    """Prefect cannot suspend a run without a deployment: the flow pauses instead."""
    settings.STATS = settings.STATS.model_copy(
        update={
            "workflows": settings.STATS.workflows.model_copy(
                update={"confirm_poll_seconds": 1, "manifest_confirm_timeout": 60}
            )
        }
    )
    answered: list[str] = []

    def curator() -> None:
        paused = FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
        )
        deadline = time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                runs = client.read_flow_runs(flow_run_filter=paused)
                if runs:
                    resume_flow_run(runs[0].id, run_input={"approve": True, "comment": "ok"})
                    answered.append(str(runs[0].id))
                    return
                time.sleep(0.5)

    helper = threading.Thread(target=curator)
    helper.start()
    outcome = update_manifest(registry="bioc", source=str(MANIFEST))
    helper.join()

    assert answered and outcome.asked_curator and outcome.applied
    assert Package.objects.filter(registry=registry).count() == FULL


def test_answer_form_is_typed() -> None:
    assert ConfirmManifest(approve=True).comment == ""
    with pytest.raises(ValueError):
        ConfirmManifest(approve=True, unexpected=1)  # type: ignore[call-arg]
