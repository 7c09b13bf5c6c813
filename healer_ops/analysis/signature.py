"""Error signature and input_hash: the cache key of a root-cause analysis.

The signature keeps what identifies the fault (the error text, the file inside WordPress, the
plugin or theme slug, error codes such as HY000/1045, errno 28 or cURL error 28) and masks
what differs between two sites with the same fault: install paths up to wp-content,
wp-includes or wp-admin, host names, timestamps, line numbers, byte counts and memory sizes,
pids, ports, request ids, hex addresses, uuids and other numbers. It also drops what differs
in shape only: log-line wrappers (Apache, nginx, PHP-FPM, debug.log prefixes), stack frames,
the less telling lines (PHP code-smell warnings such as undefined array keys; warnings,
notices and deprecations next to a PHP fatal; notices and deprecations next to other errors;
deprecations next to notices), the file lists of checksum reports, repeated lines, and
letter case.

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

from healer_ops.analysis.taxonomy import prepare

SIGNATURE_VERSION = "sig2"
MAX_SIGNATURE_LINES = 8
MAX_LINE_CHARS = 300

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_TZ = r"(?:UTC|GMT|Z|[+-]\d{2}:?\d{2}|[A-Z][a-z]+/[A-Z][A-Za-z_]+|[A-Z]{3,4})"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_TIMESTAMP = re.compile(
    r"(?:(?:" + _DAY + r"|" + _MONTH + r"|\d{1,4})[\s,/.-]*){0,5}(?:T|\s)?" + _TIME
    + r"(?:\s*(?:" + _TZ + r"|AM|PM|\d{4})\b)*", re.I)
_DATE = re.compile(r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}[-/](?:\d{1,2}|" + _MONTH
                   + r")[-/]\d{2,4}\b", re.I)

_LINE_WRAPPERS = [
    re.compile(r"^.*?\bPHP message:\s*", re.I),  # nginx / Apache proxy_fcgi / FPM
    re.compile(r"^.*?\bGot error '\s*", re.I),
    re.compile(r"^\s*(?:default|stderr|stdout):\s*", re.I),
    re.compile(r"^[\w.<>-]+@[\w.<>-]+\s*\|\s*"),  # docker service prefix
    re.compile(r"^\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\s*)+"),  # [ts] [level] [pid] [client [IP]:n]
    re.compile(r"^\s*(?:<date>\s*)?(?:<ts>\s*)?(?:\[(?:error|crit|alert|emerg|warn|notice)\]\s+)?"
               r"(?:<n>#<n>:\s*)?(?:\*<n>\s+)?", re.I),  # nginx: ts [error] pid#tid: *cid
    re.compile(r"^\s*\(\s*!\s*\)\s*"),  # xdebug "( ! )"
    re.compile(r"^\s*(?:<ts>|<date>)\s*"),
]
# nginx/Apache append the request to a PHP message: the site's, not the fault's.
_SERVER_SUFFIX = re.compile(r'"?\s*while (?:reading|sending)\b.*$|,\s*(?:client|referer|request|'
                            r'upstream|server|host):.*$', re.I)
# What is left of a line that only wrapped a PHP message (nginx, Apache proxy_fcgi).
_WRAPPER_ONLY = re.compile(r"^(?:fastcgi sent in stderr|got error|\w+: got error)\W*$")
_LEVEL_PREFIX = re.compile(r"\bPHP\s+(?=(?:fatal|parse|warning|notice|deprecated|recoverable|"
                           r"catchable|strict)\b)", re.I)
# Lines by how much they say about the fault; a signature keeps the most telling tier present
# (errors, else notices, else deprecations), so debug.log chatter next to it changes nothing.
_STRUCTURE_LINE = re.compile(r"^\s*stack trace:?\s*$|^\s*thrown\s*$|^\s*call stack\b", re.I)
# A PHP fatal decides the fault; warnings and notices next to it are other code's chatter
# (a warning inside a plugin's folder is not that plugin's fault), so they leave the signature.
_FATAL_LINE = re.compile(r"\b(?:fatal error|parse error|uncaught\b)|^\s*thrown in\b", re.I)
# PHP's code-smell warnings (undefined keys, properties of null, ...) are every site's own
# chatter, never the cause of an outage: they leave the signature when anything else remains.
_CODE_SMELL = re.compile(
    r"^\s*(?:php\s+)?(?:warning|notice|deprecated)\b.*\b(?:undefined (?:array key|index|offset|"
    r"variable|property|constant)|attempt to read property|trying to access array offset|"
    r"array to string conversion|invalid argument supplied for foreach|foreach\(\) argument "
    r"must be|creation of dynamic property|count\(\): parameter must be)", re.I)
_NOTICE_LINE = re.compile(r"^\s*(?:php\s+)?(?:notice|strict standards)\b", re.I)
_CHATTER_LINE = re.compile(r"^\s*(?:php\s+)?(?:deprecated|info|debug)\b", re.I)
_STACK_FRAME = re.compile(r"^\s*#\d+\s|^\s*\d+\s+\d+\.\d+\s+\d+\s")  # PHP and xdebug frames
_INLINE_FRAMES = re.compile(r"\s*Stack trace:.*?(?=\bthrown in\b|$)", re.I)

# WP-CLI's --path is the site's install folder.
_WP_CLI_PATH = re.compile(r"--path=\S+")
# Checksum reports list the site's own files; which ones is the site's state, not the fault.
_CHECKSUM_FILE = re.compile(r"(\b(?:file should not exist|file doesn't verify against "
                            r"checksum|checksum does not match)\s*:?\s*)\S+", re.I)
# The upgrader unpacks into wp-content/upgrade/<slug>-<random>/: a temporary name.
_UPGRADE_TEMP = re.compile(r"(wp-content/upgrade/)[^/\s'\"]+")
# A path-like token; its install prefix (up to wp-content, wp-includes, wp-admin or a root
# file such as wp-config.php) is the site's own and becomes <root>. Custom content folders
# (Bedrock's app/, content/, files/) hold plugins and themes too.
_PATHLIKE = re.compile(r"[^\s'\"(),;\[\]‘’“”<>]*/[^\s'\"(),;\[\]‘’“”<>]*")
_CONTENT_DIR = re.compile(r"(?:^|/)(?:wp-content|content|app|files)/"
                          r"(?=(?:plugins|themes|mu-plugins|uploads)/)")
_WP_ROOT = re.compile(r"/(?=(?:wp-content|wp-includes|wp-admin)(?:/|$)|"
                      r"(?:wp-[\w-]+\.php|index\.php|xmlrpc\.php|\.htaccess|\.maintenance)\b)")
_SLUG = re.compile(r"(<root>/wp-content/(?:plugins|themes|mu-plugins)/)([^/\s'\"():,]+)")
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
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_HEX = re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I)
_RANDOM_ID = re.compile(r"\b(?=(?:[A-Za-z]*\d){2})(?=(?:\d*[A-Za-z]){2})[A-Za-z0-9]{10,}\b")
_SIZE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:[KMGT]i?B?|bytes?|B)\b", re.I)
# Numbers that name the fault, not the site: kept as they are.
_CODE = re.compile(
    r"(?:\b(?:errno|errcode|error code|error|code|status(?: code)?|curl error|http/\d(?:\.\d)?)"
    r"\s*[:=#]?\s*[\"(]?|\bHY\d+/|\bcurl: \()\d+", re.I)
_NUMBER = re.compile(r"(?<![A-Za-z0-9<])\d+(?:[.,]\d+)*(?![A-Za-z0-9>])")
# Placeholders that no masking rule touches (Unicode private use characters).
_MARK = "\ue000"


def error_signature(redacted_log: str) -> str:
    """The normalized fault of a (redacted) log: the same on every site with that fault."""
    text = prepare((redacted_log or "").replace("\\n", "\n"))  # HTML, quotes, \ paths
    text = _INLINE_FRAMES.sub(" ", text)
    lines = [_normalize_line(line) for line in text.splitlines() if not _STACK_FRAME.match(line)]
    lines = [line for line in lines if line and not _WRAPPER_ONLY.match(line)]
    lines = [line for line in lines if not _STRUCTURE_LINE.search(line)] or lines
    lines = [line for line in lines if not _CODE_SMELL.search(line)] or lines
    fatals = [line for line in lines if _FATAL_LINE.search(line)]
    errors = fatals or [line for line in lines
                        if not (_NOTICE_LINE.search(line) or _CHATTER_LINE.search(line))]
    notices = [line for line in lines if _NOTICE_LINE.search(line)]
    chosen = _unique(errors or notices or lines)[:MAX_SIGNATURE_LINES]
    return "\n".join(chosen)


def input_hash(signature: str, diagnosis_type: str, culprit: str | None = None,
               analyzer_version: str = "") -> str:
    """The cache key: sha256 over the signature version, analyzer version, type, culprit and
    signature."""
    key = "\x1f".join([SIGNATURE_VERSION, analyzer_version, diagnosis_type.upper(),
                       (culprit or "").lower(), signature])
    return hashlib.sha256(key.encode()).hexdigest()


def _normalize_line(line: str) -> str:
    line = _SERVER_SUFFIX.sub("", line)
    line = _WP_CLI_PATH.sub("--path=<root>", line)
    line = _CHECKSUM_FILE.sub(r"\1<file>", line)
    line = _UPGRADE_TEMP.sub(r"\1<tmp>", line)
    line = _mask_paths(line)
    slugs: list[str] = []

    def protect(match: re.Match[str]) -> str:
        slugs.append(match.group(2).lower())
        return f"{match.group(1)}{_MARK}{chr(0xE100 + len(slugs) - 1)}{_MARK}"

    line = _SLUG.sub(protect, line)
    line = _DB_NAME.sub("<db>.", line)
    line = _TABLE_PREFIX.sub("<prefix>_", line)
    line = _URL_HOST.sub(r"\1<host>", line)
    line = _HOSTNAME.sub("<host>", line)
    line = _UUID.sub("<uuid>", line)
    line = _HEX.sub("<hex>", line)
    line = _RANDOM_ID.sub("<id>", line)
    line = _DATE.sub("<date>", line)
    line = _TIMESTAMP.sub(_timestamp, line)
    line = _SIZE.sub("<size>", line)
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(match.group(0))
        return f"{_MARK}{chr(0xF100 + len(codes) - 1)}{_MARK}"

    line = _CODE.sub(keep_code, line)
    line = _NUMBER.sub("<n>", line)
    line = _restore(line, 0xF100, codes)
    for _ in range(3):  # wrappers nest (a timestamp, then [error], then "PHP message:")
        before = line
        for wrapper in _LINE_WRAPPERS:
            line = wrapper.sub("", line, count=1)
        if line == before:
            break
    line = _LEVEL_PREFIX.sub("", line)
    line = _restore(line, 0xE100, slugs)
    line = re.sub(r"\s+", " ", line)
    line = re.sub(r"\s+(?=[:;,])", "", line).strip(" '\"").lower()  # "error</b>:" as text
    return line[:MAX_LINE_CHARS]


def _mask_paths(line: str) -> str:
    line = _PATHLIKE.sub(_mask_install_path, line)
    return re.sub(r"\b(/(?:home|Users|users)/)[^/\s]+", r"\1<user>", line)


def _mask_install_path(match: re.Match[str]) -> str:
    path = match.group(0)
    content = _CONTENT_DIR.search(path)
    if content:
        return "<root>/wp-content/" + path[content.end():]
    root = _WP_ROOT.search(path)
    if root:
        return "<root>/" + path[root.end():]
    return path


def _timestamp(match: re.Match[str]) -> str:
    return "<ts>" if re.search(r"\d:\d\d", match.group(0)) else match.group(0)


def _restore(line: str, base: int, values: list[str]) -> str:
    return re.sub(_MARK + "(.)" + _MARK, lambda m: values[ord(m.group(1)) - base]
                  if 0 <= ord(m.group(1)) - base < len(values) else m.group(0), line)


def _unique(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    return [line for line in lines if not (line in seen or seen.add(line))]
