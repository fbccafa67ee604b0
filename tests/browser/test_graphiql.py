"""GraphiQL at /graphql runs in a real browser from the app's own static files."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from stats.services.aggregation import refresh_registry_stats
from tests.selectors.scenario import build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_graphiql_runs_a_query_without_a_cdn(browser, live_server) -> None:
    scenario = build_scenario(
        name="bioconductor", start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 9)
    )
    refresh_registry_stats(registry=scenario.registry)
    browser.get(live_server.url + "/graphql")
    wait = WebDriverWait(browser, 30)
    button = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".graphiql-execute-button")))
    button.click()
    wait.until(
        lambda driver: (
            "validThrough" in driver.find_element(By.CSS_SELECTOR, ".graphiql-response").text
        )
    )
    result = browser.find_element(By.CSS_SELECTOR, ".graphiql-response").text
    assert '"bioconductor"' in result and '"2024-01-08"' in result
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert resources and all(r.startswith(live_server.url) for r in resources), resources
