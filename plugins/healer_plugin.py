"""Airflow plugin: the Healer HTTP API and the fleet health page, mounted at /healer.

The app is built by healer_ops.api; this file only registers it with Airflow's api-server.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from healer_ops.api import create_app


class HealerOpsPlugin(AirflowPlugin):
    name = "healer_ops"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/healer", "name": "Healer API"}]
    external_views = [{"name": "Fleet health", "href": "/healer/", "destination": "nav",
                       "url_route": "healer_fleet_health"}]
