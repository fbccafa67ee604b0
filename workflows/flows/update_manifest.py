"""Flow ``update-manifest``: refresh a registry's package list from its upstream manifest.

When the update would change more packages than
``STATS_WORKFLOWS__MANIFEST_CONFIRM_THRESHOLD``, the flow asks a curator through a
Prefect input form (``ConfirmManifest``) and goes on only when approved.

How it waits depends on how it runs. A run of a deployment (the dashboard, a schedule,
``prefect deployment run``) is *suspended*: its process exits, nothing is held while
the curator thinks, and after the answer a worker runs the flow again from the start;
the repeated ``suspend_flow_run`` with the same key then returns the answer at once.
Prefect refuses to suspend a run without a deployment ("Cannot suspend flows without a
deployment"), so a run started directly from Python is *paused* instead: the process
waits for the same form, polling. The key is the manifest's hash, so an answer only
ever applies to the manifest the curator was shown.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import httpx
from django.conf import settings
from prefect import get_run_logger
from prefect.context import FlowRunContext
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field

from stats.selectors.workflows import registries_named
from stats.services.manifest import (
    ManifestChange,
    ManifestRow,
    diff_manifest,
    manifest_load,
    read_manifest,
)
from workflows.prefect_django import flow, task


class ConfirmManifest(RunInput):
    """The curator's answer: load this manifest update or not."""

    approve: bool = Field(
        default=False, description="Load the new manifest (untick to stop the update)."
    )
    comment: str = Field(default="", description="Why; kept in the flow run's log.")


class ManifestOutcome(BaseModel):
    """What the flow did; ``applied`` is False when the curator said no."""

    registry: str
    source: str
    added: int
    updated: int
    deactivated: int
    unchanged: int
    needs_curator: bool = False
    asked_curator: bool = False
    applied: bool = False
    comment: str = ""


def _read_source(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, follow_redirects=True, timeout=60)
        response.raise_for_status()
        return response.content
    return Path(source).read_bytes()


@task(name="fetch-manifest", retries=2, retry_delay_seconds=30)
def fetch_manifest(source: str) -> tuple[list[ManifestRow], str]:
    """The manifest's rows (CSV, plain or gzip, from a path or URL) and its SHA-256."""
    raw = _read_source(source)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "manifest"
        path.write_bytes(raw)
        return read_manifest(path), hashlib.sha256(raw).hexdigest()


@task(name="diff-manifest")
def diff(registry: str, rows: list[ManifestRow]) -> ManifestChange:
    return diff_manifest(registry=registries_named([registry]).get(), rows=rows)


@task(name="load-manifest")
def load(registry: str, rows: list[ManifestRow]) -> ManifestChange:
    return manifest_load(registry=registries_named([registry]).get(), rows=rows)


def ask_curator(key: str, question: str) -> ConfirmManifest:
    """Wait for the curator's answer: suspended when deployed, else paused in-process.

    ``question`` (Markdown) is shown above the form in the dashboard.
    """
    form = ConfirmManifest.with_initial_data(description=question, approve=False)
    workflows = settings.STATS.workflows
    context = FlowRunContext.get()
    deployed = bool(context and context.flow_run and context.flow_run.deployment_id)
    if deployed:
        return suspend_flow_run(
            wait_for_input=form,
            timeout=workflows.manifest_confirm_timeout,
            key=key,
        )
    return pause_flow_run(
        wait_for_input=form,
        timeout=workflows.manifest_confirm_timeout,
        poll_interval=workflows.confirm_poll_seconds,
        key=key,
    )


@flow(name="update-manifest")
def update_manifest(
    registry: str = Field(
        "bioconductor", description="Name of the registry whose package list is updated."
    ),
    source: str | None = Field(
        None,
        description="Manifest CSV (package,category[,first_version,last_version]) as a "
        "path or http(s) URL. Empty: the registry's manifest URL.",
    ),
    ask_curator_when_large: bool = Field(
        True,
        description="Over the threshold: wait for a curator (True) or stop without "
        "changing anything and report it (False, as the daily flow does).",
    ),
) -> ManifestOutcome:
    """Load the registry's upstream manifest; large changes wait for a curator's OK."""
    logger = get_run_logger()
    target = registries_named([registry]).get()
    where = source or target.manifest_url
    if not where:
        raise ValueError(f"registry {registry} has no manifest URL; give a source")
    rows, digest = fetch_manifest(where)
    change = diff(registry, rows)
    outcome = ManifestOutcome(registry=registry, source=where, **_counts(change))
    threshold = settings.STATS.workflows.manifest_confirm_threshold
    if change.changed > threshold and not ask_curator_when_large:
        logger.warning(
            "%s: the manifest would change %d packages (more than %d): not applied; "
            "run update-manifest to let a curator confirm",
            registry,
            change.changed,
            threshold,
        )
        return outcome.model_copy(update={"needs_curator": True})
    if change.changed > threshold:
        logger.info(
            "%s: the manifest would change %d packages (more than %d): asking a curator",
            registry,
            change.changed,
            threshold,
        )
        question = (
            f"**{registry}**: the manifest at `{where}` would add {change.added}, change "
            f"{change.updated} and retire {change.deactivated} packages "
            f"({change.unchanged} unchanged). Load it?"
        )
        answer = ask_curator(key=f"manifest-{digest[:32]}", question=question)
        outcome.asked_curator = True
        outcome.comment = answer.comment
        logger.info("curator answered approve=%s: %s", answer.approve, answer.comment)
        if not answer.approve:
            return outcome
    applied = load(registry, rows)
    outcome = outcome.model_copy(update={**_counts(applied), "applied": True})
    logger.info("%s: manifest loaded: %s", registry, _counts(applied))
    return outcome


def _counts(change: ManifestChange) -> dict[str, int]:
    return {
        "added": change.added,
        "updated": change.updated,
        "deactivated": change.deactivated,
        "unchanged": change.unchanged,
    }
