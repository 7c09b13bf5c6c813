"""Remove secrets and personal data from a log before it is logged, cached or sent to an LLM.

Explicit rules, one per kind of structured secret (Elastic's advice: a model-based entity
finder misses secrets inside key=value, JSON, DSNs and URLs). The diagnostic content stays:
paths, plugin and theme slugs, error text, line numbers, MySQL error codes.

Every rule replaces the secret with a bracketed placeholder (``[REDACTED]``, ``[EMAIL]``,
``[IP]``, ``[DB_USER]``, ``[TOKEN]``), so ``redact(redact(x)) == redact(x)`` and a reader
can still see that something was there.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from healer_ops.logtext import EMAIL, IPV4

REDACTED = "[REDACTED]"

# Key names whose value is a secret wherever they appear (key=value, JSON, PHP arrays, YAML,
# HTTP headers, query strings). "pass" and "pwd" cover user_pass, db_pass, mysql_pwd, ...
_SECRET_KEY = (
    r"[\w.-]*(?:passw(?:or)?d|passwd|pass\b|pass_|\bpass|pwd|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|auth_salt|_salt|salt_"
    r"|nonce|signature|credential|session[_-]?id|sessid|cookie|license[_-]?key"
    r"|(?:db|mysql|database|wordpress_db)_?user(?:name)?)[\w.-]*"
)

# Known token shapes that are secrets even without a key name in front of them.
_TOKEN_SHAPES = [
    r"\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}",  # OpenAI, Anthropic, ...
    r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}",  # Stripe
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
    r"\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"\bglpat-[A-Za-z0-9_-]{20,}",  # GitLab
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"\bAIza[0-9A-Za-z_-]{35}",  # Google API keys
    r"\bya29\.[0-9A-Za-z_-]{20,}",  # Google OAuth access tokens
    r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",  # SendGrid
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT
    r"\bnpm_[A-Za-z0-9]{30,}",
    r"\bhf_[A-Za-z0-9]{30,}",  # Hugging Face
    r"\bwhsec_[A-Za-z0-9+/=]{20,}",  # webhook signing secrets (Stripe, ...)
    r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+",
]

# Candidates only: every match is checked with the ipaddress module before it is replaced.
_IPV6_CANDIDATE = re.compile(r"(?<![\w:.])\[?(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}\]?"
                             r"(?:%\w+)?(?![\w:])")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str] | str


def _keep_group(group: str, placeholder: str = REDACTED) -> Callable[[re.Match[str]], str]:
    """Replace only the named group of a match, keeping the text around it."""

    def replace(match: re.Match[str]) -> str:
        start, end = match.span(group)
        if start < 0:
            return match.group(0)
        offset = match.start(0)
        text = match.group(0)
        return text[: start - offset] + placeholder + text[end - offset:]

    return replace


def _connect_args(match: re.Match[str]) -> str:
    """Database credentials passed to a connect call, as stack traces print them.

    mysqli_real_connect(Object(mysqli), 'host', 'user', 'password', 'db', ...) and friends
    take (host, user, password); wpdb->__construct takes (user, password, name, host) and
    PDO (dsn, user, password). The host is diagnostic (and handled by the IP rule).
    """
    call = match.group("call")
    args = match.group("args")
    quoted = list(re.finditer(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", args))
    user_at = 0 if call.lower().startswith("wpdb") else 1
    for position, placeholder in ((user_at + 1, f"'{REDACTED}'"), (user_at, "'[DB_USER]'")):
        if len(quoted) > position:
            item = quoted[position]
            args = args[: item.start()] + placeholder + args[item.end():]
    return call + "(" + args + ")"


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    inner = text.strip("[]")  # brackets stay, the zone (%eth0) goes with the address
    candidate = inner.split("%", 1)[0]
    if candidate.count(":") < 2 or ("::" not in candidate and candidate.count(":") < 7):
        return text  # times like 06:09:02 are not addresses
    if _is_ipv6(candidate):
        return text.replace(inner, "[IP]")
    # Apache writes "[client 2a02:...::71:47029]": the address, then ":port" with no brackets.
    address, _, port = candidate.rpartition(":")
    if port.isdigit() and _is_ipv6(address):
        return text.replace(candidate, f"[IP]:{port}")
    return text


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _ipv4(match: re.Match[str]) -> str:
    return "[IP]"


RULES: list[Rule] = [
    Rule("private_key", re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
        "-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----"),
    # define('DB_PASSWORD', 'x'); define( "AUTH_KEY", "x" ); define('DB_USER', 'x')
    Rule("wp_define", re.compile(
        r"define\(\s*(?P<q>['\"])(?P<name>\w*(?:PASSWORD|PASS|USER|KEY|SALT|SECRET|TOKEN)\w*)"
        r"(?P=q)\s*,\s*(?P<vq>['\"])(?P<value>(?:(?!(?P=vq)).)*)(?P=vq)", re.I),
        _keep_group("value")),
    # scheme://user:password@host -> scheme://[REDACTED]:[REDACTED]@host (DSNs and URLs)
    Rule("url_credentials", re.compile(
        r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<user>[^\s:/@'\"<>]+):(?P<password>[^\s@/'\"<>]+)@",
        re.I),
        lambda m: f"{m.group('scheme')}{REDACTED}:{REDACTED}@"),
    Rule("auth_header", re.compile(
        r"(?P<head>\b(?:Authorization|Proxy-Authorization)\s*[:=]\s*['\"]?(?:Bearer|Basic|Token|"
        r"Digest|Bot)?\s*)(?P<value>[^\s'\",;]+)", re.I),
        _keep_group("value")),
    Rule("bearer", re.compile(r"(?P<head>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})"),
         _keep_group("value")),
    Rule("cookie_header",
         re.compile(r"(?P<head>\b(?:Set-)?Cookie\s*:\s*)(?P<value>[^\r\n]+)", re.I),
         _keep_group("value")),
    # WordPress auth cookies: wordpress_logged_in_<hash>=<user>|<expiry>|<token>|<hmac>
    Rule("wp_cookie", re.compile(r"(?P<name>\bwordpress_(?:logged_in_|sec_)?[0-9a-f]{32})="
                                 r"(?P<value>[^;\s&'\"]+)"),
         _keep_group("value")),
    # mysqli_real_connect(Object(mysqli), 'localhost', 'user', 'pass', ...) in stack traces
    Rule("connect_args", re.compile(
        r"(?P<call>\b(?:mysqli_real_connect|mysqli_connect|mysql_connect|mysql_pconnect|"
        r"mysqli->(?:__construct|real_connect)|PDO->__construct|new (?:mysqli|PDO)|"
        r"wpdb->__construct)\s*)\((?P<args>[^()]*(?:\([^()]*\)[^()]*)*)\)", re.I),
        _connect_args),
    # print_r / var_dump: [DB_PASSWORD] => x, ["password"]=> string(5) "x"
    Rule("array_dump", re.compile(
        r"\[(?P<q>['\"]?)(?P<key>" + _SECRET_KEY + r")(?P=q)\]\s*=>\s*(?:string\(\d+\)\s*)?(?!\[)"
        r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s,)\]]+)", re.I),
        _keep_group("value")),
    # mysql -uroot -pSecret / mysqldump -p'Secret'
    Rule("mysql_cli_password", re.compile(
        r"(?P<head>\bmysql(?:dump|admin|check)?\b[^\n]*?\s-p)(?P<value>'[^']*'|\"[^\"]*\"|[^\s'\"]+)"),
        _keep_group("value")),
    # key=value, key: value, --password=value, ?token=value&..., 'password' => 'x',
    # "api_key": "x", escaped JSON \"token\":\"x\"
    Rule("key_value", re.compile(
        r"(?<![\w/\\.-])(?P<key>-{0,2}" + _SECRET_KEY + r")(?:\\?['\"])?(?P<sep>\s*(?:=>|=|:)\s*)"
        r"(?P<value>\\?\"(?:[^\"\\\n]|\\.)*?\\?\"|'[^'\n]*'|[^\s&;,'\"<>)}\]]+)", re.I),
        lambda m: m.group(0) if _is_not_a_secret(m) else _keep_group("value")(m)),
    # query strings: ?key=...&sig=...
    Rule("query_secret", re.compile(
        r"(?P<head>[?&](?:key|k|auth|code|sig|license|license_key|hash|access|secret)=)"
        r"(?P<value>[^&\s#'\"]+)", re.I),
        _keep_group("value")),
    # PHPMailer/WP Mail SMTP debug: AUTH LOGIN sends the user and password base64-encoded
    Rule("smtp_auth", re.compile(r"(?P<head>CLIENT -> SERVER:\s*)(?P<value>[A-Za-z0-9+/]{8,}={0,2})"
                                 r"\s*$", re.M),
         _keep_group("value")),
    Rule("token_shape", re.compile("|".join(_TOKEN_SHAPES)), "[TOKEN]"),
    # Access denied for user 'name'@'host': the user is a secret, a remote host name too.
    Rule("db_user", re.compile(
        r"(?P<head>(?:for|to) user\s+)(?P<uq>['\"‘`])(?P<user>[^'\"‘’`@\s]+)['\"’`]"
        r"(?P<at>@(?P<hq>['\"‘`]?)(?P<host>[^'\"‘’`\s)]+)['\"’`]?)?", re.I),
        lambda m: _db_user(m)),
    Rule("pg_user", re.compile(r"(?P<head>\b(?:role|user)\s+\")(?P<user>[^\"\s]+)(?=\")", re.I),
         lambda m: m.group("head") + "[DB_USER]"),
    Rule("email", EMAIL, "[EMAIL]"),
    Rule("ipv6", _IPV6_CANDIDATE, _ipv6),
    Rule("ipv4", IPV4, _ipv4),
]

# Values that a secret key name often precedes in logs without being a secret.
_NON_SECRET_VALUES = {"yes", "no", "true", "false", "null", "none", "(null)", "''", '""',
                      "required", "[redacted]", "[token]", "[db_user]", "[email]", "[ip]"}


def _is_not_a_secret(match: re.Match[str]) -> bool:
    value = match.group("value").strip("'\"").lower()
    key = match.group("key").lower()
    if value in _NON_SECRET_VALUES or value.startswith("[") or not value:
        return True
    if re.search(r"\.(?:php|inc|js|css|html?|json|log)$", key):
        return True  # a file name followed by ":<line>"
    # "Access denied for user ... (using password: YES)" and "password: is incorrect"
    return key.endswith("password") and value in {"is", "for", "was", "incorrect", "must"}


def _db_user(match: re.Match[str]) -> str:
    user = match.group("user")
    if user.startswith("[") or user.lower() in {"is", "the", "with", "id", "data"}:
        return match.group(0)
    quote = "'"
    out = f"{match.group('head')}{quote}[DB_USER]{quote}"
    if match.group("at"):
        host = match.group("host")
        keep = host.lower() in {"localhost", "127.0.0.1", "::1", "%"} or host.startswith("[")
        out += f"@{quote}{host if keep else '[DB_HOST]'}{quote}"
    return out


def redact(text: str | None) -> str:
    """The text with every secret replaced by a placeholder."""
    return redact_with_report(text)[0]


def redact_with_report(text: str | None) -> tuple[str, Counter[str]]:
    """The redacted text and how many replacements each rule made (safe to log)."""
    counts: Counter[str] = Counter()
    if not text:
        return "", counts
    for rule in RULES:
        text, changed = _apply(rule, text)
        if changed:
            counts[rule.name] += changed
    return text, counts


def _apply(rule: Rule, text: str) -> tuple[str, int]:
    changed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        new = rule.replace if isinstance(rule.replace, str) else rule.replace(match)
        if new != match.group(0):
            changed += 1
        return new

    return rule.pattern.sub(replace, text), changed
