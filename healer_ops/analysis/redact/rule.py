"""A redaction rule: a name (counted in reports, never a value) and how it rewrites text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

REDACTED = "[REDACTED]"
TOKEN = "[TOKEN]"

Replace = Callable[[re.Match[str]], str] | str


@dataclass(frozen=True)
class Rule:
    """`pattern` with `replace` (a string, or a function of the match), or a whole-text
    `function` returning (text, replacements)."""

    name: str
    pattern: re.Pattern[str] | None = None
    replace: Replace | None = None
    function: Callable[[str], tuple[str, int]] | None = None
    needs: str | tuple[str, ...] | None = None  # lower-case text one of which must be there

    def apply(self, text: str, lowered: str) -> tuple[str, int]:
        if self.needs and not any(word in lowered for word in (
                (self.needs,) if isinstance(self.needs, str) else self.needs)):
            return text, 0
        if self.function is not None:
            return self.function(text)
        changed = 0
        replace = self.replace

        def substitute(match: re.Match[str]) -> str:
            nonlocal changed
            new = replace if isinstance(replace, str) else replace(match)
            if new != match.group(0):
                changed += 1
            return new

        return self.pattern.sub(substitute, text), changed


PLACEHOLDERS = "REDACTED|TOKEN|EMAIL|PHONE|IP|DB_USER|DB_HOST|USER|CARD|IBAN"
_PLACEHOLDER = re.compile(rf"['\"`\\]*\[(?:{PLACEHOLDERS})\]")


def is_placeholder(value: str) -> bool:
    """Whether a value starts with a placeholder this module wrote (a second pass skips it)."""
    return _PLACEHOLDER.match(value) is not None


def replace_groups(match: re.Match[str], replacements: dict[str, str]) -> str:
    """The match's text with the named groups replaced (groups that did not take part stay)."""
    text = match.group(0)
    offset = match.start(0)
    spans = sorted(((match.span(name), new) for name, new in replacements.items()
                    if match.span(name)[0] >= 0), reverse=True)
    for (start, end), new in spans:
        text = text[: start - offset] + new + text[end - offset:]
    return text


def keep_group(group: str, placeholder: str = REDACTED) -> Callable[[re.Match[str]], str]:
    """Replace only the named group of a match."""
    return lambda match: replace_groups(match, {group: placeholder})


def requote(value: str, placeholder: str = REDACTED) -> str:
    """A quoted value's placeholder in the same quotes ('x' -> '[REDACTED]')."""
    for quote in ('\\"', '"', "'", "`"):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return quote + placeholder + quote
    return placeholder
