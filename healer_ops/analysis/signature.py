"""Error signature and input_hash: the cache key of a root-cause analysis.

The signature keeps what identifies the fault (the error text, the file inside WordPress, the
plugin or theme slug, error codes such as HY000/1045, errno 28 or cURL error 28) and masks
what differs between two sites with the same fault: install paths up to wp-content,
wp-includes or wp-admin, host names, timestamps, line numbers, byte counts and memory sizes,
pids, ports, request ids, hex addresses, uuids and other numbers. It also drops what differs
in shape only: log-line wrappers (Apache, nginx, PHP-FPM, docker, syslog, debug.log
prefixes), stack traces (however deep they were cut, with their "thrown in" line), the noise
around the fault (deprecations, notices, warnings of sloppy code and server chatter never
enter it: logtext.read_log), the less telling entries (only the fatal ones when there is a
fatal; else only those that show a failure), the file lists of checksum reports, repeated
lines, and letter case.

``input_hash`` = sha256 over the signature, the diagnosis type, the culprit slug and the
local analyzer's version. The diagnosis type is the LOCAL analyzer's (cheap, offline,
deterministic): the same log always maps to the same key whatever analyzer then answers on a
miss. The hash covers the culprit explicitly so that two plugins failing the same way never
share an analysis. The analyzer version (artifact.model_version: a hash of the corpus, the
taxonomy and the rule and feature code) is in the key because it decides the type: when the
analyzer changes, lookups move to a new key space (stored in ai_analysis_cache's
analyzer_version) instead of silently mixing keys of two analyzers.

Input is the REDACTED log: nothing here ever sees a secret.
"""

from __future__ import annotations

import hashlib
import re

from healer_ops.logtext import (
    SLUG,
    LogEntry,
    is_code_smell,
    is_wrapper_only,
    mask_ids,
    mask_install_paths,
    mask_numbers,
    mask_timestamps,
    rank,
    read_log,
    strip_php_prefix,
    strip_request_suffix,
)

SIGNATURE_VERSION = "sig3"
MAX_SIGNATURE_LINES = 8
MAX_LINE_CHARS = 300

_STRUCTURE_LINE = re.compile(r"^\s*stack trace:?\s*$|^\s*thrown\s*$|^\s*call stack\b", re.I)
_STACK_FRAME = re.compile(r"^\s*#\d+\s|^\s*\d+\s+\d+\.\d+\s+\d+\s")  # PHP and xdebug frames
# A trace cut at any depth is the same fault: everything from "Stack trace:" on, and the
# "thrown in" line that repeats the error's location.
_INLINE_TRACE = re.compile(r"\s*Stack trace:.*$", re.I)
_THROWN_IN = re.compile(r"^\s*thrown in\b", re.I)

# WP-CLI's --path is the site's install folder.
_WP_CLI_PATH = re.compile(r"--path=\S+")
# Checksum reports list the site's own files; which ones is the site's state, not the fault.
_CHECKSUM_FILE = re.compile(r"(\b(?:file should not exist|file doesn't verify against "
                            r"checksum|checksum does not match)\s*:?\s*)\S+", re.I)
# The upgrader unpacks into wp-content/upgrade/<slug>-<random>/: a temporary name.
_UPGRADE_TEMP = re.compile(r"(wp-content/upgrade/)[^/\s'\"]+")
_URL_HOST = re.compile(r"\b([a-z][a-z0-9+.-]*://)(?:\[[^\]]*\]|[^/\s:'\"<>]+)", re.I)
_FILE_EXT = (r"php|phar|inc|phtml|js|mjs|css|scss|map|json|xml|html?|txt|md|log|zip|gz|tgz|tar|"
             r"sql|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|eot|mo|po|pot|conf|ini|lock|ya?ml|"
             r"bak|tmp|sock|pid|MAI|MYD|MYI|ibd|frm|min|htaccess|maintenance|cache|sh|py|so|dll")
_TLD = (r"com|net|org|edu|gov|mil|int|io|co|info|biz|app|dev|cloud|site|online|store|shop|"
        r"blog|xyz|tech|agency|media|news|live|page|host|website|space|pro|club|local|test|"
        r"example|invalid|internal|lan|[a-z]{2}")
_HOSTNAME = re.compile(r"(?<![\w./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?!(?:" + _FILE_EXT
                       + r")\b)(?:" + _TLD + r")\b(?![.\w-]|\(|->|::)", re.I)
# Database names and table prefixes are the site's own ('shop_db.wp7f_options').
_CORE_TABLES = (r"options|posts|postmeta|users|usermeta|comments|commentmeta|terms|termmeta|"
                r"term_taxonomy|term_relationships|links|blogs|blogmeta|site|sitemeta|signups|"
                r"registration_log|actionscheduler_\w+|wc_\w+|woocommerce_\w+")
_DB_NAME = re.compile(r"(?<![\w.-])[\w-]+\.(?=[a-z0-9]{1,16}_(?:\d+_)?(?:" + _CORE_TABLES
                      + r")\b)", re.I)
_TABLE_PREFIX = re.compile(r"(?<![\w-])[a-z0-9]{1,16}_(?=(?:\d+_)?(?:" + _CORE_TABLES
                           + r")\b(?!\())", re.I)
_RANDOM_ID = re.compile(r"\b(?=(?:[A-Za-z]*\d){2})(?=(?:\d*[A-Za-z]){2})[A-Za-z0-9]{10,}\b")
_SIZE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:[KMGT]i?B?|bytes?|B)\b", re.I)
# Numbers that name the fault, not the site: kept as they are.
_CODE = re.compile(
    r"(?:\b(?:errno|errcode|error code|error|code|status(?: code)?|curl error|http/\d(?:\.\d)?)"
    r"\s*[:=#]?\s*[\"(]?|\bHY\d+/|\bcurl: \()\d+", re.I)
# Placeholders that no masking rule touches (Unicode private use characters).
_MARK = "\ue000"


def error_signature(redacted_log: str) -> str:
    """The normalized fault of a (redacted) log: the same on every site with that fault."""
    reading = read_log(redacted_log or "")
    lines = [line for entry in reading.signature_entries for line in _entry_lines(entry)]
    lines = [line for line in (_normalize_line(line) for line in lines) if line]
    lines = [line for line in lines if not _STRUCTURE_LINE.search(line)] or lines
    lines = [line for line in lines if not is_code_smell(line)] or lines
    ranks = [rank(line) for line in lines]
    chosen = [line for line, r in zip(lines, ranks, strict=True) if r == min(ranks, default=0)]
    return "\n".join(_unique(chosen)[:MAX_SIGNATURE_LINES])


def _entry_lines(entry: LogEntry) -> list[str]:
    """An entry's message lines: no stack trace, no "thrown in", no request suffix."""
    lines = []
    for line in entry.text.split("\n"):
        if _STACK_FRAME.match(line) or _THROWN_IN.match(line):
            continue
        line = strip_request_suffix(_INLINE_TRACE.sub("", line))
        if line.strip() and not is_wrapper_only(line):
            lines.append(line)
    return lines


def input_hash(signature: str, diagnosis_type: str, culprit: str | None = None,
               analyzer_version: str = "") -> str:
    """The cache key: sha256 over the signature version, analyzer version, type, culprit and
    signature."""
    key = "\x1f".join([SIGNATURE_VERSION, analyzer_version, diagnosis_type.upper(),
                       (culprit or "").lower(), signature])
    return hashlib.sha256(key.encode()).hexdigest()


def _normalize_line(line: str) -> str:
    """One unwrapped line with everything site-specific masked, lower case."""
    line = _WP_CLI_PATH.sub("--path=<root>", line)
    line = _CHECKSUM_FILE.sub(r"\1<file>", line)
    line = _UPGRADE_TEMP.sub(r"\1<tmp>", line)
    line = mask_install_paths(line)
    slugs: list[str] = []

    def protect(match: re.Match[str]) -> str:
        slugs.append(match.group(2).lower())
        return f"{match.group(1)}{_MARK}{chr(0xE100 + len(slugs) - 1)}{_MARK}"

    line = SLUG.sub(protect, line)
    line = _DB_NAME.sub("<db>.", line)
    line = _TABLE_PREFIX.sub("<prefix>_", line)
    line = _URL_HOST.sub(r"\1<host>", line)
    line = _HOSTNAME.sub("<host>", line)
    line = mask_ids(line)
    line = _RANDOM_ID.sub("<id>", line)
    line = mask_timestamps(line)
    line = _SIZE.sub("<size>", line)
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(match.group(0))
        return f"{_MARK}{chr(0xF100 + len(codes) - 1)}{_MARK}"

    line = _CODE.sub(keep_code, line)
    line = mask_numbers(line)
    line = _restore(line, 0xF100, codes)
    line = strip_php_prefix(line)
    line = _restore(line, 0xE100, slugs)
    line = re.sub(r"\s+", " ", line)
    line = re.sub(r"\s+(?=[:;,])", "", line).strip(" '\"").lower()  # "error</b>:" as text
    return line[:MAX_LINE_CHARS]


def _restore(line: str, base: int, values: list[str]) -> str:
    return re.sub(_MARK + "(.)" + _MARK, lambda m: values[ord(m.group(1)) - base]
                  if 0 <= ord(m.group(1)) - base < len(values) else m.group(0), line)


def _unique(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    return [line for line in lines if not (line in seen or seen.add(line))]
