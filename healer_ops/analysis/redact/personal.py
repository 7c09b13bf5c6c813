"""Personal data: database user names, e-mail addresses, IP addresses (v4 and v6) and phone
numbers. Phone candidates are found by their written shapes and confirmed with Google's
libphonenumber (the `phonenumbers` port), so dates, versions, sizes and ids stay.
"""

from __future__ import annotations

import ipaddress
import re

from healer_ops.analysis.redact.keyvalue import DB_USER
from healer_ops.analysis.redact.rule import Rule, is_placeholder, replace_groups
from healer_ops.logtext import EMAIL, IPV4

EMAIL_PLACEHOLDER = "[EMAIL]"
IP = "[IP]"
PHONE = "[PHONE]"
DB_HOST = "[DB_HOST]"
USER = "[USER]"

_Q_OPEN = r"(?:['\"`‘’]|&#0?39;|&quot;|\\')"
_Q_CLOSE = r"(?:['\"`’‘]|&#0?39;|&quot;|\\')"
# 'user'@'host' wherever MySQL prints it (access denied, command denied, definer, grants)
_USER_AT_HOST = re.compile(
    rf"(?P<uq>{_Q_OPEN})(?P<user>[^'\"`‘’@\s&\\]{{1,80}}){_Q_CLOSE}@"
    rf"(?P<hq>{_Q_OPEN})(?P<host>[^'\"`‘’\s)&\\]{{0,255}}){_Q_CLOSE}")
# for user 'x', to user 'x', User 'x' has exceeded ..., role "x", user "x" (PostgreSQL)
_NAMED_USER = re.compile(
    rf"(?P<head>\b(?:(?:for|to)\s+user|User|user|role)\s+)(?P<uq>{_Q_OPEN})"
    rf"(?P<user>[^'\"`‘’@\s&\\]{{1,80}})(?={_Q_CLOSE}(?!@))", re.I)
# MySQL slow log: "# User@Host: name[name] @ host [ip]"
_SLOW_LOG_USER = re.compile(r"(?P<head>User@Host:\s*)(?P<user>[^\s\[]{1,80})"
                            r"\[(?P<user2>[^\]\s]{1,80})\]")
# Access logs (common/combined format): address, identity, user, [time]
_ACCESS_LOG_USER = re.compile(r"^(?P<head>\S{1,60} \S{1,60} )(?P<user>(?!-\s)[^\s\[]{1,80})"
                              r"(?= \[\d{1,2}/\w{3}/\d{4}:)", re.M)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "%", ""}
_NOT_USERS = {"is", "the", "with", "id", "data", "name", "root@localhost"}


def _user_at_host(match: re.Match[str]) -> str:
    user, host = match.group("user"), match.group("host")
    replacements = {}
    if not is_placeholder(user) and user.lower() not in _NOT_USERS:
        replacements["user"] = DB_USER
    if host.lower() not in _LOCAL_HOSTS and not is_placeholder(host):
        replacements["host"] = IP if _is_ip(host.strip("[]")) else DB_HOST
    return replace_groups(match, replacements)


def _named_user(match: re.Match[str]) -> str:
    user = match.group("user")
    if is_placeholder(user) or user.lower() in _NOT_USERS:
        return match.group(0)
    return replace_groups(match, {"user": DB_USER})


_ENCODED_EMAIL = re.compile(r"(?<![\w.+%-])(?:[\w.+\-]|%[0-9A-Fa-f]{2}){1,64}%40"
                            r"(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,}\b")

# Candidates only: every match is checked with the ipaddress module before it is replaced.
_IPV6_CANDIDATE = re.compile(r"(?<![\w:.])\[?(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}\]?"
                             r"(?:%\w+)?(?![\w:])")


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    inner = text.strip("[]")  # brackets stay, the zone (%eth0) goes with the address
    candidate = inner.split("%", 1)[0]
    if candidate.count(":") < 2 or ("::" not in candidate and candidate.count(":") < 7):
        return text  # times like 06:09:02 are not addresses
    if _is_ipv6(candidate):
        return text.replace(inner, IP)
    # Apache writes "[client 2a02:...::71:47029]": the address, then ":port" with no brackets.
    address, _, port = candidate.rpartition(":")
    if port.isdigit() and _is_ipv6(address):
        return text.replace(candidate, f"{IP}:{port}")
    return text


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# Phone numbers as people write them: +44 20 7946 0958, +1 (415) 555-0132, (415) 555-0132,
# 415-555-0132, 415.555.0132, 0049 30 901820, tel:+33142685300.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.\-/:=#])(?:"
    r"(?:\+|00)[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\(?\d{1,5}\)?){1,6}"
    r"|\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}"
    r"|\(0\d{1,4}\)[ .\-]?\d{2,4}(?:[ .\-]?\d{2,4}){1,2}"
    r"|\d{3}[.\-]\d{3}[.\-]\d{4}"
    r")(?![\w.\-/:]|\.\d)")


def _phone(match: re.Match[str]) -> str:
    import phonenumbers

    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return text
    if text.startswith("(0"):
        return PHONE if 9 <= len(digits) <= 12 else text  # national, trunk prefix in brackets
    candidate = "+" + text[2:] if text.startswith("00") else text
    try:
        number = phonenumbers.parse(candidate, "US")
    except phonenumbers.NumberParseException:
        return text
    return PHONE if phonenumbers.is_possible_number(number) else text


RULES = [
    Rule("db_user", _USER_AT_HOST, _user_at_host, needs="@"),
    Rule("db_user", _NAMED_USER, _named_user),
    Rule("db_user", _SLOW_LOG_USER, lambda m: replace_groups(
        m, {"user": DB_USER, "user2": DB_USER}), needs="user@host"),
    Rule("log_user", _ACCESS_LOG_USER, lambda m: replace_groups(m, {"user": USER})),
    Rule("email", EMAIL, EMAIL_PLACEHOLDER, needs="@"),
    Rule("email", _ENCODED_EMAIL, EMAIL_PLACEHOLDER, needs="%40"),
    Rule("ipv6", _IPV6_CANDIDATE, _ipv6, needs=":"),
    Rule("ipv4", IPV4, IP, needs="."),
    Rule("phone", _PHONE_CANDIDATE, _phone),
]
