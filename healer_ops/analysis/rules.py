"""Signature rules: the taxonomy's signatures, widened to the forms real logs take, in
priority order (first match decides; every match is also a classifier feature).

The order follows the labelling rules of the evaluation data: maintenance, then disk-full
(which shows up as DB/connection errors), any parse error, memory exhaustion (even inside a
plugin), timeouts, the database, permissions (which cause failed updates and missing-file
errors), core integrity, caches, then fatal errors by where they happened (plugin, theme,
mu-plugin/drop-in/core), and last the weaker symptoms (.htaccess, TLS, cron, the critical
error page, healthy output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from healer_ops.analysis.taxonomy import Culprit, fatal_culprit
from healer_ops.logtext import LogEntry, LogReading, line_at, read_log


@dataclass(frozen=True)
class Rule:
    rule_id: str
    diagnosis_type: str
    error_type: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Evidence:
    """One rule that matched, with the log line that made it match."""

    rule_id: str
    diagnosis_type: str
    error_type: str
    line: str
    culprit: Culprit | None = None


def _rules(diagnosis_type: str, *specs: tuple[str, str, str]) -> tuple[Rule, ...]:
    return tuple(
        Rule(f"{diagnosis_type}:{name}", diagnosis_type, error_type,
             re.compile(pattern, re.IGNORECASE | re.MULTILINE))
        for name, error_type, pattern in specs)


MAINTENANCE = _rules(
    "MAINTENANCE",
    ("503-page", "MAINTENANCE_STUCK", r"briefly\s+unavailable\s+for\s+scheduled\s+maintenance"),
    ("503-page-localized", "MAINTENANCE_STUCK",
     r"wegen\s+planm..iger\s+wartungsarbeiten|indisponible\s+pour\s+cause\s+de\s+maintenance"
     r"|no\s+disponible\s+por\s+mantenimiento|non\s+disponibile\s+per\s+manutenzione"
     r"|niet\s+beschikbaar\s+(?:vanwege|wegens)\s+(?:gepland\s+)?onderhoud"
     r"|indispon.vel\s+para\s+manuten..o"),
    ("status-active", "MAINTENANCE_STUCK", r"maintenance\s+mode\s+is\s+(?:active|enabled|on)\b"),
    ("update-failed", "MAINTENANCE_STUCK",
     r"automated\s+wordpress\s+update\s+has\s+failed\s+to\s+complete"),
    ("maintenance-file", "MAINTENANCE_STUCK",
     r"\.maintenance\b[^\n]{0,300}\b(?:exists|found|left|stuck|still)\b"
     r"|(?:stuck|left|remove|delete)[^\n]{0,40}\.maintenance\b"),
)

DISK_FULL = _rules(
    "DISK_FULL",
    ("enospc", "DISK_FULL", r"no\s+space\s+left\s+on\s+device|\bENOSPC\b"),
    ("errno-28", "DISK_FULL",
     r"errno[:=]?\s*28\b|errcode:?\s*28\b|error\s+28\s+from\s+storage\s+engine|\(28\)\s*no\s+space"),
    ("quota", "DISK_QUOTA",
     r"disk\s+quota\s+exceeded|\bEDQUOT\b|(?:disk|storage|inode|file\s*system)\s+quota"
     r"|quota\s+(?:is\s+)?(?:full|reached)"),
    ("out-of-space", "DISK_FULL",
     r"out\s+of\s+(?:free\s+)?disk\s+space|disk\s+(?:is\s+)?full|insufficient\s+(?:free\s+)?disk"
     r"|not\s+enough\s+(?:free\s+)?(?:disk\s+)?space(?:\s+(?:on|left)|\b)"
     r"|temporary\s+file\s+write\s+failure|the\s+table\s+'[^']+'\s+is\s+full"
     r"|(?:os|operating\s+system)\s+error\s+number\s+28\b"),
)

SYNTAX_ERROR = _rules(
    "SYNTAX_ERROR",
    ("wp-config", "WP_CONFIG_SYNTAX",
     r"(?<!json )(?<!xml )parse\s*error\b[^\n]{0,300}wp-config\.php"),
    ("parse-error", "SYNTAX_ERROR",
     r"(?<!json )(?<!xml )(?<!json\.)\bparse\s*error\b|\bE_PARSE\b|\bParseError\b"),
    ("unexpected", "SYNTAX_ERROR",
     r"syntax\s+error,\s+unexpected|unclosed\s+'[^']'\s+on\s+line"),
)

MEMORY_EXHAUSTION = _rules(
    "MEMORY_EXHAUSTION",
    ("allowed-memory", "MEMORY_EXHAUSTION",
     r"allowed\s+memory\s+size\s+of\s+\d+\s+bytes\s+exhausted"),
    ("out-of-memory", "MEMORY_EXHAUSTION",
     r"out\s+of\s+memory\s*\(allocated|fatal\s+error:\s+out\s+of\s+memory"
     r"|out\s+of\s+memory:\s+kill(?:ed)?\s+process|cannot\s+allocate\s+memory"
     r"|memory\s+limit\s+(?:of\s+\S+\s+)?(?:has\s+been\s+)?(?:exceeded|reached)"),
)

TIMEOUT = _rules(
    "TIMEOUT",
    ("max-execution-time", "EXECUTION_TIMEOUT",
     r"maximum\s+execution\s+time\s+(?:of\s+[\d.]+\s+seconds?\s+)?exceeded"),
    ("curl-28", "HTTP_TIMEOUT",
     r"curl\s+error\s+28\b|curl:\s*\(28\)|\bCURLE_OPERATION_TIMEDOUT\b"
     r"|(?:operation|resolving|connection)\s+timed\s+out\s+after\s+\d+\s*(?:ms|milliseconds)"),
    ("gateway", "GATEWAY_TIMEOUT",
     r"upstream\s+timed\s+out|\b504\s+gateway\s+time-?\s?out|gateway\s+time-?\s?out"
     r"|\berror\s+524\b|\b524:\s+a\s+timeout\s+occurred"),
    ("fpm-terminated", "EXECUTION_TIMEOUT",
     r"execution\s+timed\s+out\s+\([\d.]+\s*sec|request_terminate_timeout"
     r"|the\s+timeout\s+specified\s+has\s+expired"),
    ("took-too-long", "HTTP_TIMEOUT",
     r"took\s+too\s+long\s+to\s+(?:complete|respond)|timed\s+out\s+waiting\s+for"),
)

DB_ERROR = _rules(
    "DB_ERROR",
    ("access-denied", "DB_ACCESS_DENIED",
     r"access\s+denied\s+for\s+user|HY000/1045|\[1045\]|\bSQLSTATE\[28000\]"),
    ("unknown-db", "DB_UNKNOWN_DB",
     r"unknown\s+database\s+'|HY000/1049|\[1049\]|can.?t\s+select\s+(?:the\s+)?database"
     r"|not\s+able\s+to\s+select\s+the\s+\S*\s*database"),
    ("too-many", "DB_TOO_MANY_CONN",
     r"too\s+many\s+connections|HY000/1040|max_user_connections"),
    ("gone-away", "DB_GONE_AWAY",
     r"mysql\s+server\s+has\s+gone\s+away|HY000/2006|HY000/2013"
     r"|lost\s+connection\s+to\s+mysql\s+server|error\s+reconnecting\s+to\s+the\s+database"),
    ("connect", "DB_CONNECTION",
     r"error\s+establishing\s+a\s+database\s+connection|HY000/2002|HY000/2054|\(HY000/\d+\)"
     r"|can.?t\s+connect\s+to\s+(?:local\s+)?mysql\s+server|mysql\s+connection\s+error"
     r"|mysqli?_(?:real_)?connect\(\)|mysqli::(?:__construct|real_connect)\(\)"
     r"|SQLSTATE\[HY000\]\s*\[\d+\]|authentication\s+method\s+unknown\s+to\s+the\s+client"
     r"|database\s+connection\s+(?:error|failed)|unable\s+to\s+connect\s+to\s+(?:the\s+)?database"),
    ("connect-localized", "DB_CONNECTION",
     r"erreur\s+lors\s+de\s+la\s+connexion\s+.\s+la\s+base\s+de\s+donn"
     r"|fehler\s+beim\s+aufbau\s+einer\s+datenbankverbindung"
     r"|error\s+al\s+establecer\s+(?:una\s+|la\s+)?conexi.n\s+con\s+la\s+base\s+de\s+datos"
     r"|errore\s+nello\s+stabilire\s+una\s+connessione\s+al\s+database"
     r"|erro\s+ao\s+estabelecer\s+(?:uma\s+)?conex.o\s+com\s+o\s+banco\s+de\s+dados"
     r"|fout\s+bij\s+het\s+maken\s+van\s+(?:de\s+|een\s+)?databaseverbinding"),
    ("driver-missing", "DB_DRIVER_MISSING",
     r"missing\s+the\s+mysql\s+extension|undefined\s+function\s+mysql_connect\(\)"),
    ("corruption", "DB_CORRUPTION",
     r"is\s+marked\s+as\s+crashed|incorrect\s+key\s+file|one\s+or\s+more\s+database\s+tables\s+are"
     r"\s+unavailable|(?:index|table|page|b-tree)[^\n]{0,60}\bis\s+corrupt|\bcorrupt(?:ed)?\s+"
     r"(?:table|index|page|database)|innodb:[^\n]{0,300}corrupt|database\s+page\s+corruption"
     r"|\|\s*error\s*\|\s*corrupt|error\s*:\s*(?:corrupt|table\s+upgrade\s+required)"
     r"|incorrect\s+information\s+in\s+file"
     r"|got\s+error\s+(?!28\b)\d+\s+from\s+storage\s+engine|duplicate\s+entry\s+'0'\s+for\s+key"
     r"|tablespace\s+(?:is\s+)?missing|table\s+'[^']+'\s+doesn.?t\s+exist"
     r"|\[table\s+'[^']+'\s+doesn.?t\s+exist\]"),
    ("lock", "DB_LOCK", r"deadlock\s+found\s+when\s+trying|lock\s+wait\s+timeout\s+exceeded"),
)

PERMISSION = _rules(
    "PERMISSION",
    ("denied", "PERMISSIONS",
     r"permission\s+denied|\bEACCES\b|operation\s+not\s+permitted|errcode:?\s*13\b"
     r"|read-only\s+file\s+system|search\s+permissions\s+are\s+missing"),
    ("not-writable", "PERMISSIONS",
     r"could\s+not\s+create\s+dir(?:ectory)?\b|(?:unable|failed)\s+to\s+create\s+directory"
     r"|incompatible\s+permissions|parent\s+directory"
     r"\s+writable|\b(?:is|are|isn.t)\s+not\s+writ(?:e)?able|not\s+writ(?:e)?able\s+by"
     r"|could\s+not\s+(?:copy|write|remove|move|delete)\s+(?:the\s+)?(?:file|old|director)"
     r"|inconsistent\s+file\s+permissions|unable\s+to\s+(?:write|create)\s+(?:to\s+)?(?:the\s+)?"
     r"(?:file|directory|folder)|could\s+not\s+be\s+moved\s+to"
     r"|(?:unable\s+to|could\s+not|cannot|can.t)\s+write\s+to\b"),
    ("ftp-credentials", "FILESYSTEM_METHOD",
     r"needs\s+to\s+access\s+your\s+web\s+server|(?:enter|provide)\s+your\s+ftp\s+credentials"
     r"|connection\s+information[^\n]{0,300}ftp|unable\s+to\s+locate\s+wordpress\s+(?:content|plugin|"
     r"theme|root)\s+directory"),
)

INTEGRITY = _rules(
    "INTEGRITY",
    ("checksum", "CORE_CHECKSUM",
     r"(?:doesn.?t|does\s+not)\s+verify\s+against\s+checksums?|checksums?\s+(?:do(?:es)?\s+not|"
     r"don.?t)\s+match|file\s+should\s+not\s+exist"),
    ("missing-core-file", "CORE_MISSING_FILE",
     r"failed\s+opening\s+(?:required\s+)?'(?!\.)[^'\n]{0,300}wp-(?:includes|admin)/"
     r"|failed\s+opening\s+required\s+'(?!\.)[^'\n]{0,300}/wp-(?:settings|load|blog-header)\.php'"
     r"|(?:require|include)(?:_once)?\([^)\n]{0,300}wp-(?:includes|admin)/[^)\n]{0,300}\):\s+failed\s+to\s+"
     r"open\s+stream:\s+no\s+such\s+file"),
    ("malware", "POSSIBLE_COMPROMISE",
     r"eval\s*\(\s*(?:base64_decode|gzinflate|str_rot13|gzuncompress)\s*\("),
)

CACHE = _rules(
    "CACHE",
    ("redis", "OBJECT_CACHE",
     r"error\s+establishing\s+a\s+redis\s+connection|\bRedisException\b|Predis/(?:Connection|"
     r"Response)|class\s+[\"']?redis[\"']?\s+not\s+found|redis[^\n]{0,80}(?:connection\s+refused|"
     r"went\s+away|timed\s+out|NOAUTH|LOADING|READONLY|OOM\s+command|failed\s+to\s+connect"
     r"|not\s+connected)|(?:failed|unable|could\s+not)\s+to\s+connect\s+to\s+redis"
     r"|\bRedis::\w+\(\)"),
    ("memcached", "OBJECT_CACHE",
     r"class\s+[\"']?memcached?[\"']?\s+not\s+found|memcached?[^\n]{0,60}(?:connection\s+refused|"
     r"server\s+is\s+marked\s+dead|failed\s+to\s+connect|SERVER\s+HAS\s+FAILED)"
     r"|\bMemcached?::\w+\(\)"),
    ("drop-in", "OBJECT_CACHE",
     r"cannot\s+redeclare\s+wp_cache_\w+\(\)|undefined\s+(?:function\s+wp_cache_\w+|method\s+"
     r"WP_Object_Cache::)|wp-content/(?:object|advanced)-cache\.php[^\n]{0,300}(?:no\s+such\s+file|"
     r"failed\s+to\s+open|failed\s+opening)"),
)

# Decided by where a fatal error happened (see fatal_evidence); listed for the stage order.
FATAL_STAGE = "FATAL"

PLUGIN_OR_THEME = (
    *_rules(
        "PLUGIN_CONFLICT",
        ("activation-fatal", "PLUGIN_FATAL",
         r"plugin\s+could\s+not\s+be\s+activated\s+because\s+it\s+triggered\s+a\s+fatal\s+error"),
        ("recovery-mode", "PLUGIN_FATAL",
         r"caught\s+an\s+error\s+with\s+one\s+of\s+your\s+plugins|deactivated\s+due\s+to\s+an\s+"
         r"error:|plugin\s+\S+\s+has\s+been\s+(?:deactivated|paused)"),
    ),
    *_rules(
        "THEME_CONFLICT",
        ("recovery-mode", "THEME_FATAL", r"caught\s+an\s+error\s+with\s+your\s+theme"),
        ("broken-theme", "THEME_BROKEN",
         r"the\s+theme\s+directory\s+\"?[^\"\n]{0,200}\"?\s*does\s+not\s+exist|stylesheet\s+is\s+missing"
         r"|template\s+is\s+missing|the\s+parent\s+theme\s+is\s+missing"),
    ),
)

DB_WEAK = _rules(
    "DB_ERROR",
    ("wpdb-error", "DB_QUERY", r"wordpress\s+database\s+error"),
)

HTACCESS_REDIRECT = _rules(
    "HTACCESS_REDIRECT",
    ("internal-redirects", "REDIRECT_LOOP",
     r"\bAH00124\b|exceeded\s+the\s+limit\s+of\s+\d+\s+internal\s+redirects"
     r"|rewrite\s+or\s+internal\s+redirection\s+cycle|redirect(?:ion)?\s+loop"),
    ("too-many-redirects", "REDIRECT_LOOP",
     r"too[_\s]+many[_\s]+redirects|redirected\s+you\s+too\s+many\s+times|maximum\s+\(\d+\)\s+"
     r"redirects\s+followed|curl:\s*\(47\)|isn.t\s+redirecting\s+properly"
     r"|redirection\s+limit\s+(?:for\s+this\s+url\s+)?exceeded"),
    ("htaccess-invalid", "HTACCESS_INVALID",
     r"\.htaccess:\s|invalid\s+command\s+'[^']+',\s+perhaps\s+misspelled|rewrite(?:rule|cond):\s+"
     r"bad\s+(?:flag|argument)|\bAH00526\b|\bnot\s+allowed\s+here\b|\bAH01630\b"),
    ("apache-500", "HTACCESS_INVALID",
     r"internal\s+error\s+or\s+misconfiguration"),
)

SSL_TLS = _rules(
    "SSL_TLS",
    ("expired", "SSL_CERT_EXPIRED",
     r"certificate\s+(?:has\s+)?expired|ERR_CERT_DATE_INVALID|SEC_ERROR_EXPIRED"),
    ("hostname", "SSL_HOSTNAME",
     r"no\s+alternative\s+certificate\s+subject\s+name|ERR_CERT_COMMON_NAME_INVALID"
     r"|does\s+not\s+match\s+target\s+host|SSL_ERROR_BAD_CERT_DOMAIN"),
    ("untrusted", "SSL_CERT_UNTRUSTED",
     r"ssl\s+certificate\s+problem|unable\s+to\s+get\s+local\s+issuer|self[-\s]signed\s+"
     r"certificate|certificate\s+verify\s+failed|unable\s+to\s+verify\s+the\s+first\s+certificate"
     r"|ERR_CERT_\w+|SEC_ERROR_\w+|NET::ERR_CERT"),
    ("handshake", "SSL_HANDSHAKE",
     r"curl\s+error\s+(?:35|51|58|59|60|77|80|83|90|91)\b|curl:\s*\((?:35|51|58|60|77)\)"
     r"|SSL_(?:ERROR_\w+|connect|do_handshake)|ssl\s+routines|handshake\s+failure"
     r"|ERR_SSL_\w+|tlsv1\s+alert|wrong\s+version\s+number|ssl\s+operation\s+failed"
     r"|your\s+connection\s+is\s+not\s+private|openssl\s+error"),
    ("mixed-content", "MIXED_CONTENT", r"mixed\s+content"),
)

CRON = _rules(
    "CRON",
    ("event-error", "CRON_FAILURE",
     r"cron\s+(?:re|un)schedule\s+event\s+error|cron\s+event\s+list\s+could\s+not\s+be\s+saved"),
    ("spawn", "CRON_SPAWN",
     r"problem\s+spawning\s+a\s+call\s+to\s+the\s+wp-?cron|wp-?cron\s+spawn\s+(?:failed|returned)"
     r"|DISABLE_WP_CRON\s+constant\s+is\s+set\s+to\s+true"),
    ("missed", "CRON_FAILURE",
     r"missed\s+schedul|wp-?cron\b[^\n]{0,80}\b(?:overdue|not\s+(?:working|running)|late|failed"
     r"|disabled)\b|scheduled\s+event[^\n]{0,80}(?:is\s+late|failed\s+to\s+run|overdue)"
     r"|scheduled\s+event\s+has\s+failed|cron\s+is\s+(?:likely\s+)?disabled"
     r"|is\s+late\s+to\s+run|\bDISABLE_WP_CRON\b|\binvalid_schedule\b|\bpast[-\s]due\b"
     r"|\baction\s*scheduler\b[^\n]{0,80}\b(?:fail|late|timed)"
     r"|\bcron\b[^\n]{0,40}(?:may\s+not\s+be|is\s+not|isn.t)\s+(?:working|running)"),
)

WSOD = _rules(
    "WSOD",
    ("critical-error-page", "CRITICAL_ERROR_PAGE",
     r"there\s+has\s+been\s+a\s+critical\s+error\s+on\s+(?:this|your)\s+website"
     r"|site\s+is\s+experiencing\s+technical\s+difficulties"
     r"|kritischen\s+fehler|kritischer\s+fehler|erreur\s+critique|error\s+cr.tico"
     r"|errore\s+critico|kritieke\s+fout|erro\s+cr.tico|krytyczny\s+b..d|критическая\s+ошибка"
     r"|重大なエラー|kritik\s+bir\s+hata"),
    ("blank", "EMPTY_RESPONSE",
     r"white\s+(?:screen|page)|(?<!no\s)\bWSOD\b|blank\s+(?:white\s+)?(?:page|screen)"
     r"|(?:page|screen|site)\s+is\s+(?:\w+\s+)?blank|empty\s+(?:response|body|"
     r"reply)|content-length:\s*0\b|curl:\s*\(52\)|\"\s+500\s+0\s|^\s*500\s+0\s*$"),
    ("http-500", "HTTP_500",
     r"HTTP\s+ERROR\s+500|currently\s+unable\s+to\s+handle\s+this\s+request"
     r"|\b500\s+(?:-\s+)?internal\s+server\s+error\b"),
)

HEALTHY = _rules(
    "HEALTHY",
    ("checksums-ok", "HEALTHY",
     r"success:\s+wordpress\s+installation\s+verifies\s+against\s+checksums"
     r"|success:\s+verified\s+\d+\s+of\s+\d+\s+plugins"),
    ("http-200", "HEALTHY",
     r"HTTP/[\d.]+\s+200\b|\b(?:HTTP|status(?:\s+code)?|code)[\s:=]+200\b|\b200\s+OK\b"
     r"|^\s*200\s+\d{3,}\s*$"),
    ("wp-cli-success", "HEALTHY",
     r"^\s*Success:\s|\|\s*success\s*\|"),
    ("all-good", "HEALTHY",
     r"everything\s+is\s+running\s+smoothly|no\s+(?:errors|issues|problems)\s+(?:were\s+)?"
     r"(?:found|detected)|all\s+(?:checks|tests)\s+passed|maintenance\s+mode\s+is\s+not\s+active"
     r"|already\s+at\s+latest\s+db\s+version|database\s+is\s+up\s+to\s+date"),
)

# The decision order. FATAL_STAGE is where fatal errors are judged by their location.
STAGES: tuple[tuple[Rule, ...] | str, ...] = (
    MAINTENANCE, DISK_FULL, SYNTAX_ERROR, MEMORY_EXHAUSTION, TIMEOUT, DB_ERROR, PERMISSION,
    INTEGRITY, CACHE, FATAL_STAGE, PLUGIN_OR_THEME, DB_WEAK, HTACCESS_REDIRECT, SSL_TLS, CRON,
    WSOD, HEALTHY,
)

ALL_RULE_IDS: tuple[str, ...] = (
    *(rule.rule_id for stage in STAGES if not isinstance(stage, str) for rule in stage),
    "PLUGIN_CONFLICT:fatal", "THEME_CONFLICT:fatal", "CACHE:fatal-drop-in", "WSOD:fatal-mu-plugin",
    "WSOD:fatal-drop-in", "INTEGRITY:fatal-core-missing", "WSOD:fatal-core",
    "HEALTHY:notices-only",
)


# ---------------------------------------------------------------------------------------------
# Fatal errors, judged by where they happened
# ---------------------------------------------------------------------------------------------

_PHP8_INCOMPAT = re.compile(
    r"TypeError|ArgumentCountError|ValueError|must\s+be\s+of\s+type|no\s+longer\s+supported"
    r"|unsupported\s+operand\s+types|curly\s+braces|undefined\s+function\s+(?:create_function|each|"
    r"money_format|get_magic_quotes_\w+|split|ereg\w*|mysql_\w+)\(|non-static\s+method\s+\S+\s+"
    r"cannot\s+be\s+called\s+statically|cannot\s+pass\s+parameter|undefined\s+constant|"
    r"count\(\):\s+argument", re.IGNORECASE)
_MISSING_CODE = re.compile(
    r"call\s+to\s+undefined\s+(?:function|method)|class\s+[\"']?[\w/]+[\"']?\s+not\s+found"
    r"|failed\s+opening\s+required|interface\s+[\"']?[\w/]+[\"']?\s+not\s+found",
    re.IGNORECASE)
_CACHE_DROPINS = {"object-cache.php", "advanced-cache.php"}


def _conflict_error_type(entry: LogEntry, fallback: str) -> str:
    message = entry.message
    if _PHP8_INCOMPAT.search(message):
        return "PHP8_INCOMPAT"
    if re.search(r"cannot\s+redeclare", message, re.IGNORECASE):
        return "REDECLARED"
    if _MISSING_CODE.search(message):
        return "MISSING_CODE"
    return fallback


def _judge_fatal(entry: LogEntry) -> Evidence:
    culprit = fatal_culprit(entry)
    head = entry.head[:300]
    kind = culprit.kind if culprit else None
    if kind == "plugin":
        return Evidence("PLUGIN_CONFLICT:fatal", "PLUGIN_CONFLICT",
                        _conflict_error_type(entry, "PLUGIN_FATAL"), head, culprit)
    if kind == "theme":
        return Evidence("THEME_CONFLICT:fatal", "THEME_CONFLICT",
                        _conflict_error_type(entry, "THEME_FATAL"), head, culprit)
    if kind == "drop-in" and culprit.slug in _CACHE_DROPINS:
        return Evidence("CACHE:fatal-drop-in", "CACHE", "CACHE_DROPIN", head, culprit)
    if kind == "drop-in":
        return Evidence("WSOD:fatal-drop-in", "WSOD", "DROPIN_FATAL", head, culprit)
    if kind == "mu-plugin":
        return Evidence("WSOD:fatal-mu-plugin", "WSOD", "MU_PLUGIN_FATAL", head, culprit)
    if _MISSING_CODE.search(entry.message) and kind == "core":
        return Evidence("INTEGRITY:fatal-core-missing", "INTEGRITY", "CORE_MISMATCH", head)
    return Evidence("WSOD:fatal-core", "WSOD", "CORE_FATAL", head)


def fatal_evidence(entries: list[LogEntry]) -> Evidence | None:
    """The first fatal entry that names a non-core culprit decides; else the first fatal."""
    judged = [_judge_fatal(entry) for entry in entries if entry.fatal]
    for evidence in judged:
        if evidence.culprit is not None:
            return evidence
    return judged[0] if judged else None


def _notices_only(reading: LogReading) -> Evidence | None:
    """Only deprecations, notices, code-smell warnings and chatter: nothing to heal."""
    if reading.minor_only:
        return Evidence("HEALTHY:notices-only", "HEALTHY", "NOTICES_ONLY",
                        reading.entries[0].head[:300])
    return None


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------

def collect_evidence(log: str) -> list[Evidence]:
    """Every rule that matches the log's fault-carrying text (its noise left out), in decision
    order (the first one decides). HEALTHY evidence only when no line shows a failure."""
    reading = read_log(log)
    text = reading.focus
    found: list[Evidence] = []
    for stage in STAGES:
        if stage == FATAL_STAGE:
            evidence = fatal_evidence(list(reading.focus_entries))
            if evidence:
                found.append(evidence)
            continue
        if stage is HEALTHY and reading.shows_failure:
            continue
        for rule in stage:
            match = rule.pattern.search(text)
            if match:
                found.append(Evidence(rule.rule_id, rule.diagnosis_type, rule.error_type,
                                      line_at(text, match.start())))
    notices = _notices_only(reading)
    if notices:
        found.append(notices)
    return found


def decide(evidence: list[Evidence]) -> Evidence | None:
    return evidence[0] if evidence else None
