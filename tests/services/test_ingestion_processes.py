"""Real processes on real PostgreSQL: kill -9 mid-file, and two runs of one file at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from stats.models import LogSegment
from tests.conftest import REPO_ROOT
from tests.services.ingest_helpers import nasa_bytes, nasa_registry, totals

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEGMENT_BYTES = "8192"  # ~180 segments: plenty of places to be killed in


def _child_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["DATABASE_URL"] = env["STATS_DATABASE_URL"] = url  # the STATS_ one wins when both are set
    env["STATS_INGEST__SEGMENT_BYTES"] = SEGMENT_BYTES
    return env


def _ingest(registry: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "ingest_logs", "--registry", registry, "--json", str(path)],
        cwd=REPO_ROOT,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def nasa_log(tmp_path: Path) -> Path:
    path = tmp_path / "nasa.log"
    path.write_bytes(nasa_bytes())
    return path


def _clean_totals(nasa_log: Path) -> dict[str, object]:
    clean = nasa_registry("clean")
    proc = _ingest("clean", nasa_log)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert json.loads(out)["lines"] == 13_376
    return totals(clean)


def test_kill_9_mid_file_then_rerun_gives_exact_totals(nasa_log: Path) -> None:
    expected = _clean_totals(nasa_log)
    victim = nasa_registry("victim")
    proc = _ingest("victim", nasa_log)
    deadline = time.monotonic() + 120
    while LogSegment.objects.filter(registry=victim).count() < 20:
        assert proc.poll() is None, "ingestion ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = LogSegment.objects.filter(registry=victim).count()
    assert 20 <= written < 150
    rerun = _ingest("victim", nasa_log)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    summary = json.loads(out)
    assert summary["skipped_segments"] == written
    assert totals(victim) == expected


def test_two_runs_of_the_same_file_at_once_count_it_once(nasa_log: Path) -> None:
    expected = _clean_totals(nasa_log)
    registry = nasa_registry("twice")
    runs = [_ingest("twice", nasa_log), _ingest("twice", nasa_log)]
    results = []
    for proc in runs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert results[0]["downloads"] + results[1]["downloads"] == expected["segments"]["downloads"]
    assert totals(registry) == expected
