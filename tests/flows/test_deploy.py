"""Deployments come from one list (workflows/deploy.py) and land in Prefect as described."""

from __future__ import annotations

import pytest
from prefect import get_client

from workflows.deploy import DAILY_CRON, DEPLOYMENTS, deploy, deployment_named, main


def test_every_flow_is_deployed_on_its_pool_with_documented_parameters() -> None:
    for spec in DEPLOYMENTS:
        deploy(spec)
    with get_client(sync_client=True) as client:
        pools = {p.name: p.type for p in client.read_work_pools()}
        assert pools["default"] == pools["slurm"] == "process"
        for spec in DEPLOYMENTS:
            deployment = client.read_deployment_by_name(f"{spec.name}/{spec.name}")
            assert deployment.work_pool_name == spec.pool
            assert deployment.entrypoint.startswith("workflows.flows.")
            for name, schema in deployment.parameter_openapi_schema["properties"].items():
                assert schema.get("description"), f"{spec.name}: parameter {name} undocumented"
        daily = client.read_deployment_by_name("daily/daily")
        [schedule] = daily.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == (DAILY_CRON, "UTC")
        assert DAILY_CRON == "0 1 * * *"
        assert client.read_deployment_by_name("ingest-logs/ingest-logs").work_pool_name == "slurm"


def test_deploy_one_flow_on_another_pool(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest_logs", "--pool", "default"]) == 0
    assert "deployed ingest-logs/ingest-logs on pool default" in capsys.readouterr().out
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest-logs/ingest-logs")
    assert deployment.work_pool_name == "default"


def test_unknown_flow_is_refused() -> None:
    with pytest.raises(KeyError, match="known: ingest-logs"):
        deployment_named("nope")
    with pytest.raises(SystemExit):
        main(["nope"])
