"""Log-text normalization, the one home every capability imports (analysis, signature,
classifier features, learned error patterns).

- regular: `prepare` (CRLF, quotes, HTML, JSON-escaped slashes, Windows paths, nginx's
  "PHP message:" bundles) and `clip_log`.
- wrappers: `strip_wrappers` / `unwrap` (nginx, Apache proxy_fcgi, php-fpm, syslog, docker
  compose, PHP error_log and xdebug prefixes), `strip_request_suffix` (nginx/Apache's
  ", client: ..." and "while reading ..."), `is_wrapper_only`.
- masks: what differs between two sites with the same fault (timestamps, install paths,
  plugin/theme slugs, uuids, hex ids, numbers, IPv4 and e-mail addresses).
- severity: fatal vs minor (notice, deprecated, code-smell warning) lines, a line's rank,
  PHP and server levels, environment failures, an entry's role.
- entries: a log read as entries (head line + continuation) with their role (fault, noise,
  context): `read_log(log).focus` is the log without its noise, `.signature_entries` what
  keys it, `.shows_failure` whether any line shows a failure.
"""

from healer_ops.logtext.entries import (
    LogEntry,
    LogReading,
    fatal_entries,
    line_at,
    log_entries,
    read_log,
)
from healer_ops.logtext.masks import (
    EMAIL,
    HEX,
    IPV4,
    NUMBER,
    ROOT_MARKERS,
    SLUG,
    mask_ids,
    mask_install_paths,
    mask_numbers,
    mask_slugs,
    mask_timestamps,
)
from healer_ops.logtext.regular import CLIPPED_MARK, MAX_LOG_CHARS, clip_log, prepare
from healer_ops.logtext.severity import (
    CONTEXT,
    FAULT,
    NOISE,
    PHP_LEVELS,
    is_code_smell,
    is_fatal,
    is_minor,
    rank,
    shows_environment_failure,
    strip_php_prefix,
)
from healer_ops.logtext.wrappers import (
    REQUEST_SUFFIX,
    is_wrapper_only,
    strip_collectors,
    strip_request_suffix,
    strip_wrappers,
    unwrap,
)

__all__ = [
    "CLIPPED_MARK", "CONTEXT", "EMAIL", "FAULT", "HEX", "IPV4", "MAX_LOG_CHARS", "NOISE", "NUMBER",
    "PHP_LEVELS", "REQUEST_SUFFIX", "ROOT_MARKERS", "SLUG", "LogEntry", "LogReading", "clip_log",
    "fatal_entries", "is_code_smell", "is_fatal", "is_minor", "is_wrapper_only", "line_at",
    "log_entries", "mask_ids", "mask_install_paths", "mask_numbers", "mask_slugs",
    "mask_timestamps", "prepare", "rank", "read_log", "shows_environment_failure",
    "strip_collectors", "strip_php_prefix", "strip_request_suffix", "strip_wrappers", "unwrap",
]
