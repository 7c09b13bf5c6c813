"""The host name a cluster process reports to Airflow (core.hostname_callable)."""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    """`HEALER_CLUSTER_NODE` (a local cluster's worker name, e.g. worker-1) at this host, else
    the fully qualified host name as Airflow's default."""
    node = os.environ.get("HEALER_CLUSTER_NODE")
    fqdn = socket.getfqdn()
    return f"{node}@{fqdn}" if node else fqdn
