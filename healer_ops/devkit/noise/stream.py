"""Noisy variants of a labelled fault: the same failure as busy servers really log it.

`noisy_variant(log, site, rng, part)` takes a fault as another site logs it
(`fleet_stream.site_variant`) and then:

- re-stamps its times in another time zone (PHP's "[... Europe/Berlin]", ISO offsets);
- adds noise lines from the pool (deprecations, notices and warnings of OTHER plugins and
  themes, server chatter, access lines), in the fault's own PHP channel, between its entries
  (never inside one: PHP writes an error and its stack trace in one go), sometimes repeated;
- cuts a stack trace at another depth (with or without its "thrown in" line, sometimes in
  the middle of a frame);
- sometimes wraps it as another program logs it (wrappers.py);
- sometimes writes CRLF line ends (all lines or only PHP's), trailing blanks or a BOM.

It knows how logs are written, not how the analyzer reads them. `part` chooses the tuning or
the held-out half of the pool, the wrappers and the zones (pool.py).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from healer_ops.devkit.noise import pool
from healer_ops.devkit.noise.wrappers import Clock, Entry, Request, wrappers, zones

# What starts a new entry in a PHP, web server or system log (the generator's own reading).
_ENTRY_START = re.compile(
    r"^(?:\[\d{2}-[A-Z][a-z]{2}-\d{4} [^\]]*\]|\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d|\d{4}[-/]\d\d[-/]"
    r"\d\d[ T]\d\d:|[A-Z][a-z]{2} +\d{1,2} \d\d:|PHP |(?:Fatal|Parse|Catchable fatal) error:|"
    r"Warning:|Notice:|Deprecated:|Error:|WordPress database error)")
_PHP_HEAD = re.compile(r"^(?:\[[^\]]+\]\s*)?(?:PHP\s+)?(?:Fatal error|Parse error|Warning|Notice|"
                       r"Deprecated|Catchable fatal error|Recoverable fatal error|Fatal|"
                       r"Strict Standards)\b")
_PHP_STAMP = re.compile(r"^\[(\d{2}-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d)(?: ([^\]]+))?\]\s*")
_ISO_OFFSET = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?([+-]\d\d:\d\d|Z)")
_CONTINUATION = re.compile(r"^(?:$|\s|#\d|Stack trace|thrown|\{main\}|[()]|/|\.\.\.|"
                           r"[A-Za-z]:[\\/]|in\s)")
_FRAME = re.compile(r"^\s*#\d+\s")
_THROWN = re.compile(r"^\s*thrown in\b")
_INLINE_TRACE = re.compile(r"(Stack trace:\s*)(#0 .*)$")

NOISE_LINES = (1, 8)  # how many noise lines a variant gets (inclusive range)


def entries_of(lines: list[str]) -> list[Entry]:
    """The log's entries: a line that starts an entry and the lines that continue it (a PHP
    message continues with its stack trace and wrapped lines only)."""
    groups: list[list[str]] = []
    for line in lines:
        starts = _ENTRY_START.match(line.lstrip("\ufeff"))
        php_entry = bool(groups) and bool(_PHP_HEAD.match(groups[-1][0]))
        if not groups or starts or (php_entry and not _CONTINUATION.match(line)):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [Entry(tuple(group), bool(_PHP_HEAD.match(group[0]))) for group in groups]


def _looks_like_a_log(entries: list[Entry]) -> bool:
    return any(_ENTRY_START.match(entry.lines[0]) for entry in entries)


# ---------------------------------------------------------------------------------------------
# Time zones
# ---------------------------------------------------------------------------------------------

def rezone(lines: list[str], clock: Clock) -> list[str]:
    """PHP's "[dd-Mon-YYYY HH:MM:SS Zone] " stamps on the clock (its zone and time, as the noise
    around them), ISO times with offsets at the same instant in the clock's zone."""
    zone = ZoneInfo(clock.zone)

    def iso(match: re.Match[str]) -> str:
        offset = match.group(2).replace("Z", "+00:00")
        moment = datetime.fromisoformat(match.group(1) + offset).astimezone(zone)
        return moment.isoformat(timespec="seconds")

    return [_ISO_OFFSET.sub(iso, _PHP_STAMP.sub(lambda m: clock.stamps()["php_stamp"] + " ",
                                                line)) for line in lines]


# ---------------------------------------------------------------------------------------------
# Noise lines
# ---------------------------------------------------------------------------------------------

def _channel(entries: list[Entry], rng: random.Random) -> str:
    """How this log writes PHP messages: error_log (stamp + "PHP "), bare "PHP ", or
    display_errors ("Warning: ...")."""
    heads = [entry.lines[0] for entry in entries if entry.php]
    if any(_PHP_STAMP.match(head) for head in heads):
        return "error_log"
    if any(head.startswith("PHP ") for head in heads):
        return "bare"
    if heads:
        return "display"
    return rng.choice(["error_log", "bare"])


def noise_line(template: pool.NoiseTemplate, channel: str, clock: Clock, root: str,
               avoid: set[str], rng: random.Random, part: str, request: Request) -> str:
    plugin = rng.choice([p for p in pool.plugins(part) if p.lower() not in avoid]
                        or list(pool.plugins(part)))
    theme = rng.choice([t for t in pool.themes(part) if t.lower() not in avoid]
                       or list(pool.themes(part)))
    component = (f"plugins/{plugin}" if rng.random() < 0.75 else f"themes/{theme}")
    fields = {
        "root": root, "plugin": plugin, "theme": theme, "n": rng.randint(2, 4800),
        "class": rng.choice(pool.classes(part)), "key": rng.choice(pool.array_keys(part)),
        "where": f" in {root}/wp-content/{component}/{rng.choice(pool.component_files(part))}"
                 f" on line {rng.randint(2, 4800)}",
        "core_where": f" in {root}/wp-includes/functions.php on line "
                      f"{rng.choice([6031, 6078, 6114, 6121, 5865])}",
        "ip": request.ip, "port": request.port, "domain": request.domain,
        "pid": rng.randint(100, 65000), "path": rng.choice(pool.request_paths(part)),
        **clock.stamps(),
    }
    text = template.text.format(**fields)
    if "\\" in root:  # a Windows site writes its paths with backslashes
        text = re.sub(re.escape(root) + r"[^\s'\"():,]*",
                      lambda m: m.group(0).replace("/", "\\"), text)
    if template.kind == "raw":
        return text
    if channel == "error_log":
        return f"{fields['php_stamp']} PHP {template.level}:  {text}"
    if channel == "bare":
        return f"PHP {template.level}:  {text}"
    return f"{template.level}: {text}"


def add_noise(entries: list[Entry], clock: Clock, root: str, avoid: set[str],
              rng: random.Random, part: str, request: Request) -> tuple[list[Entry], int]:
    """Noise entries between the log's entries (or around it, when it is not a log)."""
    channel = _channel(entries, rng)
    count = rng.randint(*NOISE_LINES)
    slots = list(range(len(entries) + 1)) if _looks_like_a_log(entries) else [0, len(entries)]
    inserted: dict[int, list[Entry]] = {}
    choices = pool.templates(part)
    added = 0
    while added < count:
        template = rng.choice(choices)
        line = noise_line(template, channel, clock, root, avoid, rng, part, request)
        repeat = rng.choice([1, 1, 1, 2, 3])  # a busy page logs the same notice again
        noise = Entry(tuple(line.split("\n")), template.kind == "php")  # (a slow-log record)
        inserted.setdefault(rng.choice(slots), []).extend([noise] * repeat)
        added += repeat
    out: list[Entry] = []
    for index in range(len(entries) + 1):
        out.extend(inserted.get(index, []))
        if index < len(entries):
            out.append(entries[index])
    return out, added


# ---------------------------------------------------------------------------------------------
# Cut traces
# ---------------------------------------------------------------------------------------------

def cut_trace(entry: Entry, rng: random.Random) -> Entry | None:
    """The entry with its stack trace cut at another depth, or None when it has none."""
    lines = list(entry.lines)
    frames = [i for i, line in enumerate(lines) if _FRAME.match(line)]
    if frames:
        keep = rng.randint(0, len(frames) - 1)
        cut = lines[:frames[keep] + 1]
        if rng.random() < 0.4:  # also cut inside the last frame kept
            cut[-1] = cut[-1][:max(8, rng.randint(len(cut[-1]) // 3, len(cut[-1])))]
        elif rng.random() < 0.5 and any(_THROWN.match(line) for line in lines):
            cut.append(next(line for line in lines if _THROWN.match(line)))
        return Entry(tuple(cut), entry.php)
    for i, line in enumerate(lines):
        inline = _INLINE_TRACE.search(line)
        if inline:
            frames_text = re.split(r"(?=\s#\d+\s)", inline.group(2))
            keep = rng.randint(1, len(frames_text))
            lines[i] = line[:inline.start(2)] + "".join(frames_text[:keep]).rstrip()
            return Entry(tuple(lines), entry.php)
    return None


# ---------------------------------------------------------------------------------------------
# Line ends
# ---------------------------------------------------------------------------------------------

def line_ends(lines: list[str], php_lines: set[int], rng: random.Random, part: str = "tune"
              ) -> tuple[str, str]:
    """The lines joined with one of the line-end habits of real files; (text, what)."""
    if part == "fresh":
        from healer_ops.devkit.noise import fresh

        return fresh.line_ends(lines, rng)
    roll = rng.random()
    if roll < 0.25:
        return "\r\n".join(lines) + "\r\n", "crlf"
    if roll < 0.35:
        ends = ["\r\n" if i in php_lines else "\n" for i in range(len(lines))]
        return "".join(line + end for line, end in zip(lines, ends, strict=True)), "mixed-crlf"
    if roll < 0.45:
        return "\n".join(line + rng.choice(["", " ", "\t", "  "]) for line in lines), "blanks"
    if roll < 0.5:
        return "\ufeff" + "\n".join(lines), "bom"
    return "\n".join(lines), "lf"


# ---------------------------------------------------------------------------------------------
# One variant
# ---------------------------------------------------------------------------------------------

def noisy_variant(site_log: str, root: str, domain: str, ip: str, rng: random.Random,
                  part: str = "tune") -> tuple[str, tuple[str, ...]]:
    """(the noisy log, what was done to it) from a fault as a site logs it."""
    clock = Clock(rng.choice(zones(part)), datetime(2024, 1, 1, tzinfo=UTC)
                  + timedelta(seconds=rng.randint(0, 700 * 86400)), rng)
    request = Request(ip, rng.randint(1024, 65535), domain, rng.choice(
        ["", "wp-admin/", "shop/", "wp-admin/admin-ajax.php", "?p=42", "wp-cron.php"]),
        rng.randint(100, 65000), rng.randint(1, 900_000))
    changes = [f"zone:{clock.zone}"]
    entries = entries_of(rezone(site_log.replace("\r\n", "\n").split("\n"), clock))
    traced = [i for i, entry in enumerate(entries) if cut_trace(entry, random.Random(0))]
    if traced and rng.random() < 0.6:
        index = rng.choice(traced)
        entries[index] = cut_trace(entries[index], rng) or entries[index]
        changes.append("cut-trace")
    avoid = {slug.lower() for slug in re.findall(r"/(?:plugins|themes)/([^/\s'\"]+)", site_log)}
    entries, added = add_noise(entries, clock, root, avoid, rng, part, request)
    changes.append(f"noise:{added}")
    if rng.random() < 0.6:
        name, wrap = rng.choice(wrappers(part))
        lines = wrap(entries, clock, request, rng)
        changes.append(f"wrapper:{name}")
        php_lines: set[int] = set()
    else:
        lines, php_lines = [], set()
        for entry in entries:
            if entry.php:
                php_lines |= set(range(len(lines), len(lines) + len(entry.lines)))
            lines.extend(entry.lines)
    text, ends = line_ends(lines, php_lines, rng, part)
    changes.append(f"ends:{ends}")
    return text, tuple(changes)
