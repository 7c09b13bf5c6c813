"""What servers wrap around a PHP message, and what they append to it.

A PHP error reaches a log inside other programs' lines: nginx ("2024/03/01 08:01:02 [error]
1234#1234: *99 FastCGI sent in stderr: "PHP message: ..."), Apache mod_proxy_fcgi ("[...]
[proxy_fcgi:error] [pid 1] [client ip:port] AH01071: Got error 'PHP message: ..."), php-fpm
("[pool www] child 42 said into stderr: "..."), syslog ("May 14 09:32:11 web01 php-fpm[2211]:
"), docker compose ("wordpress-1  | "), Kubernetes log tailers ("pod container "), PHP's own
error_log and debug.log ("[12-Nov-2025 19:20:15 UTC] "), xdebug ("( ! ) "). nginx and Apache
append the request ("while reading response header from upstream, client: ..., server: ...,
request: ..."): the site's, not the fault's. All of them work on raw lines (a learned error
pattern must still match raw logs).
"""

from __future__ import annotations

import re

from healer_ops.logtext.masks import DATE, MONTH, TIME, TIMESTAMP

# The request nginx/Apache append to a message. One regex for every reader: "while reading|
# sending ..." follows a FastCGI message, ", client: ...", ", referer: ..." any message.
# "while connecting to upstream" stays: it is nginx's own fault (the pool refused), and
# "upstream timed out ... while connecting" is not "... while reading response header".
# The quote before it closes the wrapper's ("PHP message: x" while ..., 'PHP message: x', ...).
REQUEST_SUFFIX = re.compile(
    r"""(?:["']?[ \t]*\bwhile (?:reading|sending)\b"""
    r"""|["']?,[ \t]*(?:client|referer|request|upstream|server|host):).*$""",
    re.IGNORECASE | re.MULTILINE)

# Relays of a worker's output: php-fpm's "child N said into stderr" (always at WARNING),
# LiteSpeed's "[NOTICE] ... [STDERR]". Their level is the relay's, not the message's, and the
# line they pass on is the worker's own text, not a record of the server.
RELAY = re.compile(r"\bsaid into std(?:err|out)\b|\[STDERR\]", re.IGNORECASE)

_NGINX_LEVEL = r"emerg|alert|crit|error|warn|notice|info|debug"
_PREFIXES = (
    # nginx, Apache proxy_fcgi, php-fpm: everything before the PHP message they carry
    re.compile(r"^.*?\bPHP message:\s*", re.I),
    re.compile(r"^.*?\bGot error '\s*", re.I),  # Apache mod_proxy_fcgi (AH01071)
    # php-fpm workers; the level php-fpm gives the worker's output ("NOTICE: ") goes too
    re.compile(r"^.*?\bchild \d+ said into std(?:err|out):\s*\"?(?:(?-i:NOTICE|WARNING|ERROR|"
               r"ALERT|DEBUG):[ \t]?)?", re.I),
    re.compile(r"^\s*(?:default|stderr|stdout):\s*", re.I),  # docker's stream names
    # docker compose "wordpress-1  | ", swarm "blog.1.px8gzrp9lyoi@node    | "
    re.compile(r"^\s*[\w.-]+(?:@[\w.-]+)?\s+\|\s*"),
    # Kubernetes (stern, kubetail): "wordpress-7c9f8d-x2z1q wordpress " (pod, container)
    re.compile(r"^\s*[a-z0-9][\w.-]*-[a-z0-9]{5,10}-[a-z0-9]{5}\s+[a-z0-9][\w.-]*\s+"),
    # [12-Nov-2025 19:20:15 UTC], Apache's [date] [module:level] [pid n:tid n] [client ip:port]
    re.compile(r"^\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\s*)+"),
    # syslog (RFC 3164 or ISO time): "May 14 09:32:11 web01 php-fpm[2211]: "
    re.compile(r"^\s*(?:" + MONTH + r"\s+\d{1,2}\s+|\d{4}-\d\d-\d\dT)" + TIME
               + r"\S*\s+(?!PHP\s)[\w.-]+\s+[\w./-]+(?:\[\d+\])?:\s*", re.I),
    # a leading date and time; nginx's "[error] 1234#1234: *99 "
    re.compile(r"^\s*(?:(?:" + DATE.pattern + r")\s*)?(?:(?:" + TIMESTAMP.pattern + r")\s*)?"
               r"(?:\[(?:" + _NGINX_LEVEL + r")\]\s+)?(?:\d+#\d+:\s*)?(?:\*\d+\s+)?", re.I),
    re.compile(r"^\s*\(\s*!\s*\)\s*"),  # xdebug "( ! )"
)
_OPENING_QUOTE = re.compile(r"""(["'])[^"']*$""")  # the last quote a removed prefix opened
_TRAILING_BREAKS = re.compile(r"(?:\s*<br\s*/?>)+\s*$", re.I)  # display_errors' <br />
# What is left of a line that only wrapped a PHP message on the next line.
_WRAPPER_ONLY = re.compile(r"^\W*(?:FastCGI sent in stderr|(?:\w+: )?Got error|"
                           r"(?:PHP )?(?:NOTICE|WARNING|ERROR))\W*$", re.I)


# Collectors prefix EVERY line of what they collect (docker compose and swarm, Kubernetes log
# tailers and --timestamps, syslog and journald, Vagrant's machine name), so their prefix
# says nothing about where an entry starts: it is taken off a log's lines when it is on
# (nearly) all of them.
_COLLECTORS = (
    re.compile(r"^\s*[\w.-]+(?:@[\w.-]+)?\s+\| ?"),
    re.compile(r"^\s*[a-z0-9][\w.-]*-[a-z0-9]{5,10}-[a-z0-9]{5}\s+[a-z0-9][\w.-]*\s+"),
    # syslog (RFC 3164, its priority too) and journald's short, short-precise and short-iso
    re.compile(r"^\s*(?:<\d{1,3}>)?(?:" + MONTH + r"\s+\d{1,2}\s+|\d{4}-\d\d-\d\dT)" + TIME
               + r"\S*\s+(?!(?:PHP|EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG)\s)"
               r"[\w.-]+\s+[\w./-]+(?:\[\d+\])?:\s?", re.I),
    # RFC 5424 syslog: <PRI>VERSION TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA
    re.compile(r"^<\d{1,3}>\d{1,2} \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: |$)"),
    # docker's and kubectl's --timestamps: RFC 3339 in UTC to the micro- or nanosecond (an
    # application's own ISO stamp, with seconds or milliseconds, is a record's)
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.,]\d{6,9}Z\s"),
    # containerd / CRI-O: RFC 3339 (any offset), the stream, F(ull) or P(artial)
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\s+"
               r"(?:stdout|stderr)\s+[FP]\s?"),
    # Heroku's logplex: RFC 3339, the source and its dyno ("app[web.1]: ")
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)\s+"
               r"[\w.-]+\[[\w.-]+\]:\s?"),
    # kubectl logs --prefix: "[pod/NAME/CONTAINER] "
    re.compile(r"^\[pod/[\w.-]+/[\w.-]+\]\s?"),
    re.compile(r"^\s*(?:default|stderr|stdout):\s?", re.I),
)
_ON_NEARLY_ALL = 0.9


# A trace line without the collector's prefix was inside the record before it (a one-line
# record whose literal "\n" were made line breaks): it does not count against the collector.
_TRACE_LINE = re.compile(r"^\s*(?:#\d+\s|Stack trace:|thrown in\b|\{main\}|Next\s)", re.I)


def _on_nearly_all(collector: re.Pattern[str], lines: list[str]) -> bool:
    prefixed = sum(1 for line in lines if collector.match(line))
    counted = sum(1 for line in lines if not _TRACE_LINE.match(line)) or 1
    return prefixed >= 2 and prefixed >= _ON_NEARLY_ALL * max(counted, prefixed)


def strip_collectors(lines: list[str]) -> list[str]:
    """The lines without the prefix a collector put on (nearly) every one of them; repeated
    for nested collectors (kubectl's timestamp before docker's stream name)."""
    for _ in range(3):
        filled = [line for line in lines if line.strip()]
        if len(filled) < 2:
            return lines
        found = next((c for c in _COLLECTORS if _on_nearly_all(c, filled)), None)
        if found is None:
            return lines
        lines = [found.sub("", line, count=1) for line in lines]
    return lines


def strip_request_suffix(text: str) -> str:
    """The text without the request nginx/Apache append to each line."""
    return REQUEST_SUFFIX.sub("", text)


def strip_wrappers(line: str) -> str:
    """One raw log line without its servers' prefixes (nested ones too), the quote a prefix
    opened (php-fpm's said into stderr: "...") and display_errors' <br />."""
    return _strip_prefixes(line, close_quote=True)


def _strip_prefixes(line: str, close_quote: bool) -> str:
    removed = ""
    for _ in range(3):  # wrappers nest (a docker prefix, a timestamp, [error], "PHP message:")
        before = line
        for prefix in _PREFIXES:
            match = prefix.match(line)
            if match and match.end():
                removed += match.group(0)
                line = line[match.end():]
        if line == before:
            break
    line = _TRAILING_BREAKS.sub("", line)
    opened = _OPENING_QUOTE.search(removed) if close_quote else None
    if opened and line.rstrip().endswith(opened.group(1)):  # (trailing blanks after it)
        line = line.rstrip()[:-1]
    return line


def unwrap(line: str) -> str:
    """The message of one raw log line: no server prefix, no request suffix (which takes the
    wrapper's closing quote with it)."""
    without_suffix = strip_request_suffix(line)
    return _strip_prefixes(without_suffix, close_quote=without_suffix == line)


def is_wrapper_only(line: str) -> bool:
    """A line that held only a wrapper (its PHP message was split onto the next line, or
    the record had nothing in it)."""
    return not line.strip() or _WRAPPER_ONLY.match(line) is not None
