"""The input columns of a metrics row and the validation rules, by name.

A rule's code is ``column:rule``; the summary counts rejected rows by code and the
quarantine keeps, per row, every code that applies with the value that broke it.
"""

from __future__ import annotations

REQUIRED_COLUMNS = ("site_id", "observed_at", "response_time_ms", "ttfb_ms",
                    "page_size_bytes", "status_code", "error")
OPTIONAL_COLUMNS = ("cert_expires_at", "error_class", "wsod_marker")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# What each column holds once parsed.
COLUMN_KINDS = {
    "site_id": "uuid",
    "observed_at": "timestamp",
    "response_time_ms": "number",
    "ttfb_ms": "number",
    "page_size_bytes": "integer",
    "status_code": "integer",
    "error": "boolean",
    "cert_expires_at": "timestamp",
    "error_class": "error_class",
    "wsod_marker": "boolean",
}
NOT_NULL_COLUMNS = ("site_id", "observed_at", "error")

ERROR_CLASSES = ("timeout", "dns", "tls", "connection", "http", "wsod")
MAX_TIME_MS = 600_000  # "times under 10 minutes"
STATUS_RANGE = (100, 599)
FUTURE_TOLERANCE_S = 60  # clock skew allowed between a prober and this host

# Columns written to site_metrics, in COPY order.
LOAD_COLUMNS = ("site_id", "observed_at", "response_time_ms", "ttfb_ms", "page_size_bytes",
                "status_code", "error", "error_class", "wsod_marker", "cert_expires_at")

KIND_RULE = {"uuid": "not_uuid", "timestamp": "not_timestamp", "number": "not_number",
             "integer": "not_integer", "boolean": "not_boolean", "error_class": "unknown"}

RULES = {
    "row:malformed": "the row does not fit the file's columns",
    "site_id:missing": "a site id is required",
    "site_id:not_uuid": "not a UUID",
    "site_id:unknown": "no such site in wp_sites",
    "observed_at:missing": "a timestamp is required",
    "observed_at:not_timestamp": "not an ISO 8601 timestamp",
    "observed_at:in_future": "later than now",
    "observed_at:outside_interval": "outside the run's data interval",
    "observed_at:outside_file_day": "not on the UTC day the file is named for",
    "response_time_ms:not_number": "not a number",
    "response_time_ms:negative": "negative",
    "response_time_ms:over_10_minutes": "10 minutes or more",
    "ttfb_ms:not_number": "not a number",
    "ttfb_ms:negative": "negative",
    "ttfb_ms:over_10_minutes": "10 minutes or more",
    "page_size_bytes:not_integer": "not a whole number",
    "page_size_bytes:negative": "negative",
    "status_code:not_integer": "not a whole number",
    "status_code:out_of_range": f"not an HTTP status ({STATUS_RANGE[0]}-{STATUS_RANGE[1]})",
    "error:missing": "the error flag is required",
    "error:not_boolean": "not true/false/1/0",
    "cert_expires_at:not_timestamp": "not an ISO 8601 timestamp",
    "error_class:unknown": f"not one of {', '.join(ERROR_CLASSES)}",
    "wsod_marker:not_boolean": "not true/false/1/0",
}
