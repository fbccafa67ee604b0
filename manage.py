#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
    # Commands that import Prefect keep its files in the project and send no telemetry.
    data = os.environ.get("STATS_DATA_DIR") or os.path.join(os.path.dirname(__file__), "data")
    os.environ.setdefault("PREFECT_HOME", os.path.join(os.path.abspath(data), "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
