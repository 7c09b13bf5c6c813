"""Secrets recognized by their own shape: provider key formats, password hashes, card numbers,
webhook URLs, WordPress application passwords, and high-entropy strings.

Provider formats come from detect-secrets (Yelp's scanner, used as a library: its plugins'
patterns and its Shannon entropy), plus the formats it does not know (Google, OpenAI's
project keys, PayPal, Shopify, DigitalOcean, ...). A match takes the whole token it sits in,
so a pattern that stops early (Stripe's matches 24 of 99 characters) leaves nothing behind.

High-entropy strings are judged with limits that keep what identifies a fault: pure hex
(hashes, object ids, commit ids) and lower-case identifiers are never taken without a key
naming them a secret, and paths are judged segment by segment.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from healer_ops.analysis.redact.rule import REDACTED, TOKEN, Rule, is_placeholder

CARD = "[CARD]"
IBAN = "[IBAN]"

# detect-secrets plugins whose patterns find provider keys in free text.
_PLUGINS = (
    ("aws", "AWSKeyDetector"), ("azure_storage_key", "AzureStorageKeyDetector"),
    ("discord", "DiscordBotTokenDetector"), ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"), ("jwt", "JwtTokenDetector"),
    ("mailchimp", "MailchimpDetector"), ("openai", "OpenAIDetector"),
    ("pypi_token", "PypiTokenDetector"), ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"), ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"), ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"), ("artifactory", "ArtifactoryDetector"),
)
# Left out: the plugins that find a key by the word before it (Cloudant, IBM, SoftLayer, npm's
# .npmrc line, the keyword plugin) are the key/value layer's job, and their patterns cost a
# quadratic scan on long lines.

# Formats detect-secrets 1.5 does not cover (or covers only in part).
_EXTRA_FORMATS = [
    r"AIza[0-9A-Za-z_\-]{35}",  # Google API keys
    r"ya29\.[0-9A-Za-z_\-]{20,}",  # Google OAuth access tokens
    r"1//0[0-9A-Za-z_\-]{40,}",  # Google OAuth refresh tokens
    r"GOCSPX-[0-9A-Za-z_\-]{20,}",  # Google OAuth client secrets
    r"sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",  # OpenAI, Anthropic
    r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",  # Stripe, any length
    r"whsec_[A-Za-z0-9+/=]{20,}",  # webhook signing secrets
    r"xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}",  # Slack
    r"github_pat_[A-Za-z0-9_]{30,}|gh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
    r"glpat-[A-Za-z0-9_\-]{20,}|glsa_[A-Za-z0-9_]{20,}",  # GitLab, Grafana
    r"npm_[A-Za-z0-9]{30,}", r"pypi-[A-Za-z0-9_\-]{50,}", r"dckr_pat_[A-Za-z0-9_\-]{20,}",
    r"do[por]_v1_[a-f0-9]{64}",  # DigitalOcean
    r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",  # Shopify
    r"sq0(?:atp|csp|idp)-[0-9A-Za-z_\-]{22,}", r"EAA[A-Za-z0-9_\-]{40,}",  # Square, Meta
    r"A21AA[A-Za-z0-9_\-]{50,}",  # PayPal access tokens
    r"SG\.[\w\-]{16,}\.[\w\-]{16,}",  # SendGrid
    r"key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}",  # Mailgun
    r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
    r"(?:ATATT3|PMAK-|HRKU-|dp\.(?:pt|st|sa)\.)[A-Za-z0-9_\-.]{20,}",  # Atlassian, Postman, ...
    r"base64:[A-Za-z0-9+/]{32,}={0,2}",  # Laravel APP_KEY
]
_HASHES = re.compile(
    r"\$[PH]\$[./0-9A-Za-z]{31}|\$(?:wp)?\$?2[abxy]\$\d{2}\$[./0-9A-Za-z]{53}"
    r"|\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\$[156]\$[^$\s]{1,16}\$[./0-9A-Za-z]{22,86}"
    r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
    r"|\{(?:SSHA|SHA|SMD5|SSHA256|SSHA512|CRYPT)\}[A-Za-z0-9+/=.$]{8,}")
# Webhook URLs carry their secret in the path: every random-looking part after the hook.
_URL = re.compile(r"\bhttps?://[^\s'\"<>()\[\]{}]{1,2000}")
_HOOK = re.compile(r"//hooks?\.|/(?:webhooks?|webhookb2|hooks|IncomingWebhook|catch|trigger)/|"
                   r"/api/webhooks/|/bot\d", re.I)
_PATH_SECRET_BEFORE = {"key", "token", "secret", "apikey", "api_key", "access_token", "sig"}
_APP_PASSWORD = re.compile(r"(?<![\w-])[A-Za-z0-9]{4}(?: [A-Za-z0-9]{4}){5}(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_CARD_CANDIDATE = re.compile(r"(?<![\d.\-/:])(?:\d[ \-]?){12,18}\d(?![\d.\-/:])")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9])|35|3[068])")

_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=~.")
_BACK_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@lru_cache(maxsize=1)
def _detector_patterns() -> tuple[re.Pattern[str], ...]:
    import importlib

    patterns = []
    for module, name in _PLUGINS:
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()
        patterns.extend(plugin.denylist)
    patterns.extend(re.compile(p) for p in _EXTRA_FORMATS)
    return tuple(patterns)


def _token_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span grown to the whole token around a match (and trimmed of delimiters)."""
    while start < end and text[start] not in _TOKEN_CHARS:
        start += 1
    while end > start and text[end - 1] not in _TOKEN_CHARS:
        end -= 1
    if start == end:
        return start, end
    while start > 0 and text[start - 1] in _BACK_CHARS:
        start -= 1
    while end < len(text) and text[end] in _TOKEN_CHARS:
        end += 1
    while end > start and text[end - 1] == ".":
        end -= 1
    return start, end


def _provider_tokens(text: str) -> tuple[str, int]:
    spans = []
    for pattern in _detector_patterns():
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            if match.start(group) < 0:
                continue
            start, end = _token_span(text, match.start(group), match.end(group))
            if end - start >= 8 and not is_placeholder(text[start:end]):
                spans.append((start, end))
    return _replace_spans(text, spans, TOKEN)


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str
                   ) -> tuple[str, int]:
    if not spans:
        return text, 0
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start] + placeholder)
        last = end
    return "".join(out) + text[last:], len(merged)


def _url_path_secrets(match: re.Match[str]) -> str:
    """Path segments that are tokens: after a hook marker, or after /key/, /token/, ..."""
    url = match.group(0)
    path_at = url.find("/", url.index("://") + 3)
    if path_at < 0:
        return url
    hook = _HOOK.search(url)
    parts, offset = url[path_at + 1:].split("/"), path_at + 1
    out: list[str] = []
    previous = ""
    for part in parts:
        segment = re.split(r"[?#]", part, maxsplit=1)[0]
        after_hook = hook is not None and offset > hook.start()
        named = previous.lower() in _PATH_SECRET_BEFORE
        if (after_hook and _hook_segment(segment)) or (named and _random_segment(segment)):
            out.append(TOKEN + part[len(segment):])
        else:
            out.append(part)
        if segment != part:  # the query string is the key/value rules' business
            out.extend(parts[len(out):])
            break
        previous, offset = segment, offset + len(part) + 1
    return url[: path_at + 1] + "/".join(out)


def _hook_segment(segment: str) -> bool:
    """After a hook marker: a token, or a long run of digits (Zapier's catch ids)."""
    return _random_segment(segment) or (len(segment) >= 12 and segment.isdigit())


def _random_segment(segment: str) -> bool:
    """Letters and digits mixed (a token, an id with letters), not a route like "validate"."""
    if len(segment) < 6 or is_placeholder(segment):
        return False
    return bool(re.search(r"\d", segment) and re.search(r"[A-Za-z]", segment)) and \
        re.fullmatch(r"[A-Za-z0-9_\-:.]+", segment) is not None


# A query-string value that looks like a token is one, whatever its parameter is called.
_QUERY_VALUE = re.compile(r"[?&;](?P<key>[\w.\-\[\]%]{1,40})=(?P<value>[A-Za-z0-9_\-.~+=]{16,2000})"
                          r"(?=[&#;\s'\"<>)\]]|$)")


def _query_token(match: re.Match[str]) -> str:
    value = match.group("value")
    mixed = (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)
             and re.search(r"\d", value) and not _CAMEL_WORDS.fullmatch(value)
             and len(re.findall(r"[-_.~+]", value)) <= max(2, len(value) // 8))
    long_hex = len(value) >= 32 and re.fullmatch(r"[0-9a-fA-F]+", value)
    if not (mixed or long_hex) or is_placeholder(value):
        return match.group(0)
    start = match.start("value") - match.start()
    return match.group(0)[:start] + TOKEN


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        total += d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits) or len(set(digits)) < 4:
        return match.group(0)
    return CARD if _luhn(digits) else match.group(0)


def _iban(match: re.Match[str]) -> str:
    """An IBAN whose ISO 7064 mod-97 check holds."""
    compact = match.group(0).replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return match.group(0)
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return IBAN if int(digits) % 97 == 1 else match.group(0)


def _app_password(match: re.Match[str]) -> str:
    groups = match.group(0).split(" ")
    inner_capitals = sum(any(c.isupper() for c in g[1:]) for g in groups)
    if any(c.isdigit() for c in match.group(0)) or inner_capitals >= 3:
        return REDACTED
    return match.group(0)


# --- high entropy ------------------------------------------------------------------------

_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/=_\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![A-Za-z0-9+/=_\-])")
_PATHY = re.compile(r"[a-z0-9_.\-]*|[A-Za-z][a-z]+(?:[A-Z][a-z]+)*")
MIN_ENTROPY_LENGTH = 20
MAX_PATH_CHARS = 4096  # longer runs are blobs, judged whole


def entropy_limit(length: int) -> float:
    """Bits per character a random-looking token must reach: random base64 of n characters
    scores about log2(n) - 0.4 for short n and approaches 6; words and identifiers stay
    far lower."""
    return min(4.5, math.log2(length) - 0.75)


@lru_cache(maxsize=1)
def _base64_entropy():
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    return Base64HighEntropyString().calculate_shannon_entropy


_CAMEL_WORDS = re.compile(r"(?:[A-Z]{0,3}[a-z]+\d*)+")


def is_high_entropy(token: str) -> bool:
    bare = token.rstrip("=").strip("-_")
    if _CAMEL_WORDS.fullmatch(bare):
        return False  # NextendSocialOauth2, WPSEOAdminAsset: a name made of words
    if len(bare) < MIN_ENTROPY_LENGTH or re.fullmatch(r"[0-9a-fA-F\-]+", bare):
        return False
    if not (re.search(r"[a-z]", bare) and re.search(r"[A-Z]", bare) and re.search(r"\d", bare)):
        return False
    if len(re.findall(r"[-_+/.]", bare)) > max(1, len(bare) // 10):
        return False  # words joined by separators: a name (10.5.15-MariaDB-0+deb11u1)
    return _base64_entropy()(bare) >= entropy_limit(len(bare))


def _high_entropy(text: str) -> tuple[str, int]:
    spans = []
    for match in _CANDIDATE.finditer(text):
        token = match.group(0)
        segments = token.split("/") if len(token) <= MAX_PATH_CHARS else [token]
        if len(segments) > 2 and sum(bool(_PATHY.fullmatch(s)) for s in segments) >= 2:
            offset = match.start()
            for segment in segments:  # a path: judge each part on its own
                if is_high_entropy(segment):
                    spans.append((offset, offset + len(segment)))
                offset += len(segment) + 1
        elif is_high_entropy(token):
            spans.append(match.span())
    return _replace_spans(text, spans, TOKEN)


RULES = [
    Rule("provider_token", function=_provider_tokens),
    Rule("password_hash", _HASHES, REDACTED),
    Rule("url_path_secret", _URL, _url_path_secrets, needs="http"),
    Rule("query_token", _QUERY_VALUE, _query_token, needs="="),
    Rule("iban", _IBAN, _iban),
    Rule("app_password", _APP_PASSWORD, _app_password),
    Rule("card_number", _CARD_CANDIDATE, _card),
    Rule("high_entropy", function=_high_entropy),
]
