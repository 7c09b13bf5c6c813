"""What differs between two sites with the same fault, and how to mask it.

- timestamps and dates in the formats PHP, Apache, nginx, MySQL, syslog and ISO 8601 write;
- install paths: everything before wp-content, wp-includes, wp-admin or a root file such as
  wp-config.php is the site's own folder (custom content folders such as Bedrock's app/ are
  read as wp-content), and so is the user name in /home/<user>;
- plugin, theme and mu-plugin slugs (the classifier must not memorize them; the signature
  keeps them: `SLUG` finds them after `mask_install_paths`);
- uuids, hex ids and addresses, and free-standing numbers;
- IPv4 addresses and e-mail addresses.

Each mask takes its placeholder, so the signature ("<root>", "<n>") and the classifier ("",
"0") share the regexes and differ only in what they write.
"""

from __future__ import annotations

import re

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
# Zone abbreviations are capitals (CEST, EDT), never "PHP" nor a lower-case word.
_TZ = (r"(?:(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|Z|[+-]\d{2}:?\d{2}"
       r"|Etc/GMT[+-]\d{1,2}|[A-Z][a-z]+(?:/[A-Z][A-Za-z_]+)+|(?-i:(?!PHP\b)[A-Z]{3,4}))")
TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
# A time of day with whatever date, weekday and zone are written around it.
TIMESTAMP = re.compile(
    r"(?:(?:" + _DAY + r"|" + MONTH + r"|\d{1,4})[\s,/.-]*){0,5}T?" + TIME
    + r"(?:\s*(?:" + _TZ + r"|AM|PM|\d{4})\b)*", re.I)
DATE = re.compile(r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}[-/](?:\d{1,2}|" + MONTH
                  + r")[-/]\d{2,4}\b", re.I)

# What sits at a WordPress install's root: the folder before it is the site's own.
_ROOT_DIRS = r"wp-content|wp-includes|wp-admin"
_ROOT_FILES = r"wp-[\w-]+\.php|index\.php|xmlrpc\.php|\.htaccess|\.maintenance"
ROOT_MARKERS = f"{_ROOT_DIRS}|{_ROOT_FILES}"
# A path-like token (quotes, brackets and separators end it). It starts where a token starts:
# the same matches, in linear time on a long token without "/".
_PATH_CHAR = r"[^\s'\"(),;\[\]‘’“”<>]"
_PATHLIKE = re.compile(f"(?<!{_PATH_CHAR}){_PATH_CHAR}*/{_PATH_CHAR}*")
_CONTENT_DIR = re.compile(r"(?:^|/)(?:wp-content|content|app|files)/"
                          r"(?=(?:plugins|themes|mu-plugins|uploads)/)")
_WP_ROOT = re.compile(f"/(?=(?:{_ROOT_DIRS})(?:/|$)|(?:{_ROOT_FILES})\\b)")
# "../../../../wp-load.php" is a relative include (a theme loading WordPress): no site's folder.
_RELATIVE = re.compile(r"^(?:\.{1,2}/)*\.{1,2}$|^(?:\.{1,2}/)+$")
_HOME = re.compile(r"(?<![\w.-])(/(?:home|Users|users)/)[^/\s]+")
# After mask_install_paths: <root>/wp-content/plugins/<slug>/... (group 2 is the slug).
SLUG = re.compile(r"(/wp-content/(?:plugins|themes|mu-plugins)/)([^/\s'\"():,]+)")

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# 0x... or a run of 8+ hex digits with at least one digit and one letter: a run of digits is
# a number, a run of letters a word.
HEX = re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I)
# A free-standing number (1, 1.5, 1,024, 8.1.2); digits inside a word (php8, utf8mb4) stay.
NUMBER = re.compile(r"(?<![A-Za-z0-9<])\d+(?:[.,]\d+)*(?![A-Za-z0-9>])")

IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b|"
                   r"(?<![\w.+-])[\w.+-]+@localhost\b")


def mask_timestamps(text: str, date: str = "<date>", time: str = "<ts>") -> str:
    """Dates, then times of day (with the date, weekday and zone written around them)."""
    text = DATE.sub(date, text)
    return TIMESTAMP.sub(lambda m: time if re.search(r"\d:\d\d", m.group(0)) else m.group(0),
                         text)


def mask_install_paths(text: str, root: str = "<root>", user: str = "<user>") -> str:
    """Every path's install folder becomes `root` (`root` + "/wp-content/plugins/acme/a.php"),
    and the user of /home/<user>/ becomes `user`."""
    text = _PATHLIKE.sub(lambda m: _install_path(m.group(0), root), text)
    return _HOME.sub(lambda m: m.group(1) + user, text)


def _install_path(path: str, root: str) -> str:
    content = _CONTENT_DIR.search(path)
    if content and not _RELATIVE.match(path[:content.start()]):
        return f"{root}/wp-content/{path[content.end():]}"
    marker = _WP_ROOT.search(path)
    if marker and not _RELATIVE.match(path[:marker.start()]):
        return f"{root}/{path[marker.end():]}"
    return path


def mask_slugs(text: str, slug: str = "slug") -> str:
    """Plugin, theme and mu-plugin folder names (after mask_install_paths) become `slug`."""
    return SLUG.sub(lambda m: m.group(1) + slug, text)


def mask_ids(text: str, uuid: str = "<uuid>", hex_id: str = "<hex>") -> str:
    """Uuids, then hex ids and addresses."""
    return HEX.sub(hex_id, UUID.sub(uuid, text))


def mask_numbers(text: str, number: str = "<n>") -> str:
    return NUMBER.sub(number, text)
