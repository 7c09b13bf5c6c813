"""Remove secrets and personal data from a log before it is logged, cached or sent to an LLM.

Layered detection, so that a kind of log nobody wrote a rule for is still covered:

1. structure (`structure`, `keyvalue`): private key blocks, URL user-info of every scheme,
   connection strings, Authorization/Cookie headers, SMTP AUTH, the arguments of connect and
   login calls, and values named by their key in every syntax logs use (key=value, key: value,
   JSON, PHP arrays, print_r/var_dump, serialize(), XML, environment tables, server config,
   define(), command lines) and in free text ("password X"). Key names are judged by their
   words (`keys`), so api_key, x-api-key, SecretAccessKey and SECURE_AUTH_SALT need no rule;
2. shapes (`providers`): provider key formats (detect-secrets' plugins, used as a library,
   plus formats it does not know), password hashes, card numbers, webhook URLs, WordPress
   application passwords, and high-entropy strings (detect-secrets' Shannon entropy) with
   limits that leave hashes and identifiers that name a fault alone;
3. personal data (`personal`): database users, e-mail addresses, IP addresses, phone numbers.

The diagnostic content stays: paths, plugin and theme slugs, error text, line numbers, MySQL
error codes, hosts. Every secret becomes a bracketed placeholder ([REDACTED], [TOKEN],
[EMAIL], [PHONE], [IP], [DB_USER], [DB_HOST], [CARD]), so `redact(redact(x)) == redact(x)` and
a reader still sees that something was there.

Work is bounded: a text longer than MAX_REDACT_CHARS keeps its beginning and its end (where
errors and their causes are), cut at line breaks or spaces, the token at each cut dropped,
and a marker saying how much was cut. Every pattern is linear in the text it scans.
"""

from __future__ import annotations

import re
from collections import Counter

from healer_ops.analysis.redact import keyvalue, personal, providers, structure
from healer_ops.analysis.redact.rule import REDACTED, TOKEN, Rule

MAX_REDACT_CHARS = 500_000  # 2.5 x what an LLM prompt ever holds (logtext.MAX_LOG_CHARS)
CUT_MARK = "[... {chars} characters cut before redaction ...]"

RULES: list[Rule] = [*structure.RULES, *keyvalue.RULES, *providers.RULES, *personal.RULES]

__all__ = ["CUT_MARK", "MAX_REDACT_CHARS", "REDACTED", "RULES", "TOKEN", "Rule", "redact",
           "redact_with_report"]


def redact(text: str | None) -> str:
    """The text with every secret replaced by a placeholder."""
    return redact_with_report(text)[0]


def redact_with_report(text: str | None) -> tuple[str, Counter[str]]:
    """The redacted text and how many replacements each rule made (safe to log)."""
    counts: Counter[str] = Counter()
    if not text:
        return "", counts
    text, cut = bound(text)
    if cut:
        counts["input_cut"] += 1
    for rule in RULES:
        text, changed = rule.apply(text, text.lower() if rule.needs else "")
        if changed:
            counts[rule.name] += changed
    return text, counts


_SPACE = re.compile(r"\s")


def bound(text: str, limit: int = MAX_REDACT_CHARS) -> tuple[str, int]:
    """(the text cut to about `limit` characters keeping its head and tail, chars cut)."""
    if len(text) <= limit:
        return text, 0
    half = limit // 2
    head, tail = text[:half], text[-half:]
    head = head[: _last_break(head)]
    tail = tail[_first_break(tail):]
    cut = len(text) - len(head) - len(tail)
    return f"{head}\n{CUT_MARK.format(chars=cut)}\n{tail}", cut


def _last_break(head: str) -> int:
    """Where the head ends: its last line break in its last tenth, else its last space, so
    the token cut in two goes with the cut. A head without any space is one token: kept
    (the entropy rule judges it)."""
    at = head.rfind("\n", len(head) - len(head) // 10)
    if at < 0:
        at = max(head.rfind(" "), head.rfind("\t"))
    return at if at >= 0 else len(head)


def _first_break(tail: str) -> int:
    at = tail.find("\n", 0, len(tail) // 10)
    if at < 0:
        spaces = [i for i in (tail.find(" "), tail.find("\t")) if i >= 0]
        at = min(spaces) if spaces else -1
    return at + 1
