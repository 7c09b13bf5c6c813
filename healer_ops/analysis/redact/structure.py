"""Secrets found by the structure around them: private key blocks, URL user-info of every
scheme, connection strings, HTTP authorization and cookie headers, SMTP AUTH exchanges, and
the credentials a connect/login call was given (PHP stack traces print arguments).
"""

from __future__ import annotations

import re

from healer_ops.analysis.redact.keys import (
    USER,
    WEAK,
    classify_key,
    is_not_a_secret,
    is_working_directory,
    looks_random,
)
from healer_ops.analysis.redact.keyvalue import DB_USER, unbracketed
from healer_ops.analysis.redact.rule import (
    REDACTED,
    Rule,
    is_placeholder,
    keep_group,
    replace_groups,
    requote,
)

# -----BEGIN ... PRIVATE KEY----- to its END line, or (a cut log) over the key's lines.
_PEM = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:.{0,20000}?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    r"|(?:(?:\r?\n|\\n)(?:[A-Za-z0-9+/=]{1,100}|[A-Za-z-]+: [^\n]{0,200}|))*)", re.S)


def _pem(match: re.Match[str]) -> str:
    label = match.group("label")
    return f"-----BEGIN {label}-----{REDACTED}-----END {label}-----"


# scheme://user:password@host, scheme://:password@host, scheme://token@host
# People type passwords into URLs unencoded ("https://deploy:Pa?s#1@host/"): the user-info
# runs to the last "@" before the path, unless what precedes a "?" or "#" is a host.
_URL_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://)"
    r"(?P<userinfo>[^\s/@'\"<>]{1,512}(?:@[^\s/@'\"<>]{1,512}){0,3})"
    r"@(?=[A-Za-z0-9\[_%])")
_PUBLIC_USERS = {"git", "anonymous", "ftp", "hg", "svn"}


def _url_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if userinfo.lower() in _PUBLIC_USERS or is_placeholder(userinfo):
        return match.group(0)
    before_query = re.split(r"[?#]", userinfo, maxsplit=1)[0]
    if before_query != userinfo and ":" not in before_query and "." in before_query:
        return match.group(0)  # host?query=...@...: not user-info
    return replace_groups(match, {"userinfo": REDACTED})


# Key=Value; pairs (ADO.NET, ODBC, JDBC-ish, Azure, PDO DSNs). Users in them are DB users.
_CONNECTION_STRING = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9 _.:]{0,40}=(?:\{[^{}\n]{0,300}\}|'[^'\n]{0,300}'|\"[^\"\n]{0,300}\""
    r"|[^;\n'\"]{0,300});[ \t]?){2,}"
    r"(?:[A-Za-z][A-Za-z0-9 _.:]{0,40}=(?:\{[^{}\n]{0,300}\}|'[^'\n]{0,300}'|\"[^\"\n]{0,300}\""
    r"|[^;\s'\"]{0,300}))?")
_CS_PAIR = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9 _.:]{0,40}?)[ \t]*=[ \t]*"
                      r"(?P<value>\{[^{}\n]*\}|'[^'\n]*'|\"[^\"\n]*\"|[^;\n'\"]*)")
_CONNECTION_USERS = {"user", "username", "login", "uid", "user id", "userid", "user name"}
# libpq: host=db port=5432 dbname=wp user=wp password=secret
_CREDENTIAL_WORD = re.compile(r"\b(?:dbname|database|db|password|passwd|pwd)=", re.I)
_LINE_USER = re.compile(r"(?<![\w.-])(?P<key>user|username|user_name|uid|login)="
                        r"(?P<value>'[^'\n]*'|[^\s'\",;&]+)", re.I)


def _libpq_users(text: str) -> tuple[str, int]:
    """user= beside dbname= or password= (libpq, PostgreSQL logs, JDBC/DSN query strings)
    names a database user."""
    count = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _CREDENTIAL_WORD.search(line):
            new = _LINE_USER.sub(_libpq_user, line)
            if new != line:
                lines[i], count = new, count + 1
    return ("\n".join(lines), count) if count else (text, 0)


def _connection_strings(text: str) -> tuple[str, int]:
    """Only lines with two ";" and an "=" can hold one: the pattern runs on those alone."""
    count = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.count(";") >= 2 and "=" in line:
            new = _CONNECTION_STRING.sub(_connection_string, line)
            if new != line:
                lines[i], count = new, count + 1
    return ("\n".join(lines), count) if count else (text, 0)


def _connection_string(match: re.Match[str]) -> str:
    def pair(inner: re.Match[str]) -> str:
        key = inner.group("key").strip().split(":")[-1]
        value = inner.group("value").strip()
        kind = USER if key.lower() in _CONNECTION_USERS else classify_key(key)
        if (kind is None or is_not_a_secret(value) or is_placeholder(value)
                or is_working_directory(key, value)):
            return inner.group(0)
        if kind == WEAK and not looks_random(value):
            return inner.group(0)
        placeholder = DB_USER if kind == USER else REDACTED
        if value.startswith("{"):
            return replace_groups(inner, {"value": "{" + placeholder + "}"})
        return replace_groups(inner, {"value": requote(value, placeholder)})

    text = match.group(0)
    kept = unbracketed(text)  # "(...;Password=x)": the bracket around it is not the value's
    return _CS_PAIR.sub(pair, kept) + text[len(kept):]


def _libpq_user(match: re.Match[str]) -> str:
    if is_placeholder(match.group("value")) or is_not_a_secret(match.group("value")):
        return match.group(0)
    return replace_groups(match, {"value": requote(match.group("value"), DB_USER)})


# "bearer <token>" and "Basic <base64>" outside a header
_BEARER = re.compile(r"\b(?:Bearer|Basic)\s+(?P<value>[A-Za-z0-9._~+/=-]{8,})", re.I)
# a URL inside a query string, percent-encoded: https%3A%2F%2Fuser%3Apass%40host
_ENCODED_USERINFO = re.compile(r"%3A%2F%2F(?P<userinfo>(?:(?!%2F)[^\s&/]){1,300})%40", re.I)


def _bearer(match: re.Match[str]) -> str:
    value = match.group("value")
    if is_placeholder(value) or not (any(c.isdigit() for c in value) or len(value) >= 20):
        return match.group(0)  # "basic authentication", "bearer tokens": words
    return replace_groups(match, {"value": REDACTED})


# Authorization: Bearer x / Basic x / Token token=x / Digest username="", response="" ...
_AUTH_HEADER = re.compile(
    r"(?P<name>\b(?:Proxy-)?Authorization|\bX-[\w-]*(?:Token|Key|Secret|Signature|Auth)[\w-]*)"
    r"(?P<close>['\"])?\s*[:=]\s*(?P<q>['\"]?)(?:(?P<scheme>Bearer|Basic|Token|Digest|Bot|"
    r"Negotiate|NTLM|OAuth|ApiKey|Key|SSWS|AWS4-HMAC-SHA256|HMAC-SHA256|JWT)\s+)?"
    r"(?P<value>(?!\[)[^\s'\",;()<>\[\]{}]+(?:,?\s*\w+=(?:\"[^\"\n]*\"|[^\s,'\"()]+))*)",
    re.I)
_SCHEMES = {"bearer", "basic", "token", "digest", "bot", "negotiate", "ntlm", "oauth", "apikey",
            "key", "ssws", "jwt"}


def _auth_header(match: re.Match[str]) -> str:
    value = match.group("value")
    if is_not_a_secret(value) or value.lower() in _SCHEMES:
        return match.group(0)
    return replace_groups(match, {"value": REDACTED})


# Cookie: a=1; b=2  /  Set-Cookie: name=value; path=/; HttpOnly
_COOKIE_HEADER = re.compile(r"(?P<name>\b(?:Set-)?Cookie)(?P<sep>\s*:\s*)(?P<rest>[^\r\n]*)",
                            re.I)
_COOKIE_PAIR = re.compile(r"(?P<name>[^=;,\s]{1,200})=(?P<value>[^;\r\n]*)")
_COOKIE_ATTRIBUTES = {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly",
                      "priority", "version", "comment"}


def _cookie_header(match: re.Match[str]) -> str:
    set_cookie = match.group("name").lower().startswith("set")
    seen = 0

    def pair(inner: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        name = inner.group("name").lower()
        value = inner.group("value")
        if (set_cookie and seen > 1) or name in _COOKIE_ATTRIBUTES:
            return inner.group(0)
        if not value or is_placeholder(value) or is_not_a_secret(value):
            return inner.group(0)
        return replace_groups(inner, {"value": REDACTED})

    rest = _COOKIE_PAIR.sub(pair, match.group("rest"))
    return match.group("name") + match.group("sep") + rest


# PHPMailer/SMTP debug: AUTH LOGIN sends base64 user and password lines, AUTH PLAIN one blob.
_SMTP_LINE = re.compile(r"(?P<head>CLIENT -> SERVER:\s*)(?P<value>[A-Za-z0-9+/]{8,}={0,2})[ \t]*$",
                        re.M)
_SMTP_AUTH = re.compile(r"(?P<head>\bAUTH\s+(?:PLAIN|LOGIN|XOAUTH2?|CRAM-MD5)\s+)"
                        r"(?P<value>[A-Za-z0-9+/]{6,}={0,2})")


def _smtp_line(match: re.Match[str]) -> str:
    value = match.group("value")
    if value.isupper() and value.isalpha():
        return match.group(0)  # an SMTP verb (STARTTLS), not base64
    return replace_groups(match, {"value": REDACTED})


# The arguments of connect / login / auth calls (stack traces print them).
_CALL = re.compile(r"(?P<name>(?:new\s+)?[A-Za-z_\\][\w\\]{0,80}(?:(?:->|::)\w{1,60})?)\("
                   r"(?P<args>(?:'(?:[^'\\\n]|\\.){0,500}'|\"(?:[^\"\\\n]|\\.){0,500}\"|"
                   r"[^()'\"\n]|\([^()\n]{0,200}\)){0,3000})\)")
_AUTH_CALL = re.compile(r"connect|login|logon|signin|signon|authenticat|_auth|auth_|->auth\b|"
                        r"::auth\b|bind|password|credential|imap_open|^auth", re.I)
_CONSTRUCTORS = re.compile(r"^(?:new\s+)?(?:\\?\w+\\)*(?:mysqli|PDO|wpdb|Redis|RedisCluster|"
                           r"Memcached|AMQPStreamConnection|AMQPConnection|MongoDB\\?\w*|"
                           r"PHPMailer|SMTP|Net_SFTP|SFTP|SSH2|FTP\w*)(?:->__construct)?$", re.I)
# (index of the user, index of the password) among the quoted arguments
_POSITIONS = [
    (re.compile(r"(?:^|\W)(?:mysqli_real_connect|mysqli_connect|mysql_p?connect|mysqli->"
                r"(?:real_)?connect|mysqli->__construct|new\s+mysqli)$", re.I), (1, 2)),
    (re.compile(r"(?:^|\W)wpdb->__construct$|^new\s+wpdb$", re.I), (0, 1)),
    (re.compile(r"(?:^|\W)PDO->__construct$|^new\s+PDO$", re.I), (1, 2)),
]
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_HOST_LIKE = re.compile(r"^['\"](?:localhost|[\w.-]+\.[A-Za-z]{2,}|[\d.:]+|\{[^}]*\}\w*|"
                        r"[a-z]+:(?:host|dbname)=[^'\"]*|[\w.-]+:\d+|/[^'\"\s]*)['\"]$")


def _call_credentials(match: re.Match[str]) -> str:
    name = match.group("name")
    if not (_AUTH_CALL.search(name) or _CONSTRUCTORS.match(name)):
        return match.group(0)
    args = match.group("args")
    strings = list(_STRING.finditer(args))
    if not strings:
        return match.group(0)
    positions = next((p for pattern, p in _POSITIONS if pattern.search(name)), None)
    replace: dict[int, str] = {}
    if positions:
        user_at, password_at = positions
        replace = {user_at: f"'{DB_USER}'", password_at: f"'{REDACTED}'"}
    else:
        for index, item in enumerate(strings):
            if index == 0 and _HOST_LIKE.match(item.group(0)):
                continue
            replace[index] = f"'{REDACTED}'"
    for index in sorted(replace, reverse=True):
        if index < len(strings):
            item = strings[index]
            inner = item.group(0)[1:-1]
            if is_placeholder(inner) or not inner:
                continue
            args = args[: item.start()] + replace[index] + args[item.end():]
    return f"{name}({args})"


RULES = [
    Rule("private_key", _PEM, _pem, needs="private key"),
    Rule("url_credentials", _URL_USERINFO, _url_userinfo, needs="://"),
    Rule("connection_string", function=_connection_strings, needs=";"),
    Rule("connection_string", function=_libpq_users, needs=("user=", "username=", "uid=",
                                                             "login=")),
    Rule("bearer", _BEARER, _bearer, needs="bearer"),
    Rule("encoded_url_credentials", _ENCODED_USERINFO, keep_group("userinfo"), needs="%40"),
    Rule("auth_header", _AUTH_HEADER, _auth_header),
    Rule("cookie_header", _COOKIE_HEADER, _cookie_header, needs="cookie"),
    Rule("smtp_auth", _SMTP_LINE, _smtp_line, needs="client -> server"),
    Rule("smtp_auth", _SMTP_AUTH, keep_group("value"), needs="auth"),
    Rule("call_credentials", _CALL, _call_credentials,
         needs=("connect", "login", "logon", "sign", "auth", "bind", "password", "credential",
                "imap_open", "__construct", "new ")),
]
