"""Realistic WordPress failure logs for the demo fleet, one recipe per kind of fault.

A *fault* is a recipe plus the parameters that stay the same wherever that fault happens
(the plugin slug, the function that is missing, the line in the plugin's source). Rendering
a fault for a site adds what differs per site and per occurrence: install path, timestamps,
log format (PHP error_log, display_errors HTML, Apache, nginx + PHP-FPM), byte counts, client
IPs, database names, and now and then a secret, as real logs leak them (a DB password in a
stack trace's arguments, emails in queries, API keys in URLs). The same fault on two sites
therefore reads differently but has the same root cause, which is what the analysis cache
keys on.
"""

from healer_ops.devkit.fleet.logs.context import STYLES, LogContext
from healer_ops.devkit.fleet.logs.faults import Fault, make_fault
from healer_ops.devkit.fleet.logs.writing import password, php, pick

__all__ = ["STYLES", "Fault", "LogContext", "make_fault", "password", "php", "pick"]
