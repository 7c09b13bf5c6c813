"""A fleet's failure stream: labelled faults recurring on many sites, and the cache hit rate.

`site_variant(log, site, rng)` rewrites a log the way the same fault looks on another site:
its own install path, domain, IPs and e-mail addresses, other timestamps (same format), line
numbers, byte counts, memory limits, pids, ports, durations, versions and request ids, and
sometimes a different log channel (a debug.log timestamp, the "PHP " prefix), a repeated
line or an unrelated notice from another plugin. It only knows where such values appear in
logs, never how the signature masks them.

`evaluate_hit_rate(examples, sites)` streams every fault once per site (shuffled), keys each
log the way the pipeline does (redact, local type and culprit, signature, input_hash) and
reports the hit rate of a cache in front of it, the best possible hit rate, how many hashes
each fault split into, and any hash shared by two labelled types (there must be none).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

SEED = 20240601

_LAYOUTS = [
    "/var/www/{domain}/htdocs", "/home/{user}/public_html", "/home/{user}/domains/{domain}/"
    "public_html", "/srv/www/{domain}/public", "/var/www/html", "/usr/share/nginx/{domain}",
    "/www/wwwroot/{domain}", "/home/{user}/webapps/{name}", "/var/www/vhosts/{domain}/httpdocs",
    "C:\\inetpub\\wwwroot\\{name}", "/opt/bitnami/wordpress", "/home/{user}/sites/{domain}/web/wp",
]
_TLDS = ["com", "net", "org", "de", "co.uk", "fr", "io", "shop", "nl", "com.au"]
_WORDS = ["bakery", "studio", "garden", "travel", "shop", "blog", "photo", "yoga", "law",
          "dental", "coffee", "bikes", "books", "music", "craft", "farm", "hotel", "tech"]
_NOISE_PLUGINS = ["wp-super-cache", "contact-form-7", "jetpack", "wordpress-seo", "akismet",
                  "elementor", "really-simple-ssl", "wpforms-lite", "litespeed-cache"]
_MEMORY = [33554432, 67108864, 134217728, 268435456, 536870912, 805306368, 1073741824]

_TIME_FORMATS = [  # (regex, strftime) pairs of formats real logs use
    (r"\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}", "%d-%b-%Y %H:%M:%S"),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", "%Y-%m-%dT%H:%M:%S"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "%Y-%m-%d %H:%M:%S"),
    (r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", "%Y/%m/%d %H:%M:%S"),
    (r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}",
     "%a %b %d %H:%M:%S.%f %Y"),
    (r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}", "%a, %d %b %Y %H:%M:%S"),
]


@dataclass(frozen=True)
class Site:
    domain: str
    root: str
    ip: str
    email: str
    user: str


def make_site(rng: random.Random, number: int) -> Site:
    name = f"{rng.choice(_WORDS)}{rng.choice(['', '-', 'by'])}{rng.choice(_WORDS)}{number}"
    domain = f"{rng.choice(['', 'www.', 'shop.', 'blog.'])}{name}.{rng.choice(_TLDS)}"
    user = f"{name[:6]}{rng.randint(10, 999)}"
    root = rng.choice(_LAYOUTS).format(domain=domain, user=user, name=name)
    ip = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return Site(domain, root, ip, f"{rng.choice(['admin', 'info', 'webmaster'])}@{domain}", user)


def site_variant(log: str, site: Site, rng: random.Random) -> str:
    """The same fault as it would be logged on `site` (see the module docstring)."""
    text = _install_paths(log, site)
    text = re.sub(r"\b(https?://)[^/\s'\"<>\]]+", lambda m: m.group(1) + site.domain, text)
    text = re.sub(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])", site.ip, text)
    text = re.sub(r"[\w.+-]+@[\w-]+\.[\w.-]+", site.email, text)
    text = _database_names(text, site, rng)
    text = _timestamps(text, rng)
    text = _site_numbers(text, rng)
    text = _channel(text, rng)
    return text


def _install_paths(log: str, site: Site) -> str:
    root = site.root.replace("\\", "/") if "/" in log or "\\" not in log else site.root
    sep = "\\" if "\\" in root else "/"

    def replace(match: re.Match[str]) -> str:
        return root.rstrip("/\\") + sep + match.group("marker")

    # A relative path ("../../../../wp-load.php", a theme loading WordPress) names no site
    # folder: it stays as it is.
    pattern = (r"(?<![\w./\\~:-])(?!\.\.?[/\\])(?:[A-Za-z]:)?[\w./\\~-]*?[/\\]"
               r"(?P<marker>wp-content|wp-includes|wp-admin|wp-[a-z-]+\.php|index\.php|xmlrpc\.php)(?=[/\\'\":\s)(]|$)")
    return re.sub(pattern, replace, log)


_CORE_TABLES = (r"options|posts|postmeta|users|usermeta|comments|commentmeta|terms|termmeta|"
                r"term_taxonomy|term_relationships|links|blogs|blogmeta|site|sitemeta|signups")


def _database_names(text: str, site: Site, rng: random.Random) -> str:
    """Each site has its own database name and often its own table prefix."""
    own = re.sub(r"[^A-Za-z0-9]", "", site.user)[:4] or "x"  # WordPress allows [A-Za-z0-9_]
    prefix = rng.choice(["wp_", "wp_", "wp7f_", "site_", f"{own}_"])
    text = re.sub(r"(['‘`])\w+\.(?=\w+_(?:" + _CORE_TABLES + r")\b)",
                  lambda m: m.group(1) + site.user + "_db.", text)
    return re.sub(r"\bwp_(?=(?:\d+_)?(?:" + _CORE_TABLES + r")\b)", prefix, text)


def _timestamps(text: str, rng: random.Random) -> str:
    moment = datetime(2023, 1, 1) + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
    for pattern, fmt in _TIME_FORMATS:
        def replace(match: re.Match[str], fmt: str = fmt) -> str:
            value = moment + timedelta(seconds=rng.randint(0, 120))
            out = value.strftime(fmt)
            return out if ".%f" not in fmt or "." in match.group(0) else out.replace(
                value.strftime(".%f"), "")
        text = re.sub(pattern, replace, text)
    return text


def _site_numbers(text: str, rng: random.Random) -> str:
    """Numbers that differ from site to site for the same fault."""
    subs = [
        (r"(\bon line )(\d+)", lambda: rng.randint(1, 4000)),
        (r"(\.php[:(])(\d+)", lambda: rng.randint(1, 4000)),
        (r"(\bline )(\d+)( of the file)", lambda: rng.randint(1, 4000)),
        (r"(Allowed memory size of )(\d+)", lambda: rng.choice(_MEMORY)),
        (r"(tried to allocate )(\d+)", lambda: rng.choice([72, 2048, 20480, 65536, 131072,
                                                           4194304])),
        (r"(\(allocated )(\d+)", lambda: rng.randint(10**7, 2 * 10**9)),
        (r"(Maximum execution time of )(\d+)", lambda: rng.choice([30, 60, 90, 120, 300])),
        (r"(after )(\d+)( milliseconds)", lambda: rng.choice([5000, 10000, 15001, 30000])),
        (r"(with )(\d+)( bytes received)", lambda: rng.randint(0, 9000)),
        (r"(\bpid[ =])(\d+)", lambda: rng.randint(100, 99999)),
        (r"(\btid )(\d+)", lambda: rng.randint(10**14, 10**15)),
        (r"(\d+)(#)(\d+)", None),  # nginx pid#tid
        (r"(\*)(\d+)( FastCGI)", lambda: rng.randint(1, 10**6)),
        (r"(:)(\d{4,5})(\])", lambda: rng.randint(1024, 65535)),
        (r"(post #)(\d+)", lambda: rng.randint(1, 10**6)),
        (r"(\?ver=)(\d+)", lambda: rng.randint(10**9, 2 * 10**9)),
        (r"(\bPacket size=)(\d+)", lambda: rng.randint(10, 500)),
        (r"(\b[Vv]ersion[: ]|[Pp]lugin:|WordPress:|php:|PHP )(\d+\.\d+(?:\.\d+)?)",
         lambda: f"{rng.randint(5, 8)}.{rng.randint(0, 4)}.{rng.randint(0, 30)}"),
        (r"(-)([0-9a-f]{32})(\b)", lambda: f"{rng.getrandbits(128):032x}"),
    ]
    for pattern, value in subs:
        if value is None:
            text = re.sub(pattern, lambda m: f"{rng.randint(100, 9999)}#{rng.randint(100, 9999)}",
                          text)
            continue
        text = re.sub(pattern, lambda m, value=value: m.group(1) + str(value())
                      + (m.group(3) if m.re.groups >= 3 else ""), text)
    return text


def _channel(text: str, rng: random.Random) -> str:
    """The same error seen through another log channel, repeated, or next to a notice."""
    lines = text.split("\n")
    first_error = next((i for i, line in enumerate(lines)
                        if re.match(r"\s*(?:PHP )?(?:Fatal|Parse) error:", line)), None)
    if first_error is not None and rng.random() < 0.5:
        line = lines[first_error].lstrip()
        line = line[4:] if line.startswith("PHP ") else "PHP " + line
        if rng.random() < 0.5:
            stamp = (datetime(2024, 1, 1) + timedelta(minutes=rng.randint(0, 500000)))
            line = stamp.strftime("[%d-%b-%Y %H:%M:%S UTC] ") + line
        lines[first_error] = line
        if rng.random() < 0.3:
            lines.insert(first_error + 1, line)  # the same error logged twice
    if rng.random() < 0.3:
        plugin = rng.choice(_NOISE_PLUGINS)
        lines.insert(0, f"PHP Deprecated:  Creation of dynamic property Foo::$bar is "
                        f"deprecated in {site_root_guess(text)}/wp-content/plugins/{plugin}/"
                        f"inc/class-{plugin}.php on line {rng.randint(1, 900)}")
    return "\n".join(lines)


def site_root_guess(text: str) -> str:
    match = re.search(r"(\S*?)/wp-(?:content|includes|admin)/", text)
    return match.group(1) if match else "/var/www/html"


# ---------------------------------------------------------------------------------------------
# Hit rate of the cache key on a fleet stream
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StreamItem:
    fault_id: str
    label: str
    site: int
    log: str


def fleet_stream(examples: list[dict], sites: int, seed: int = SEED) -> list[StreamItem]:
    """Every labelled fault ({"id", "log", "diagnosis_type"}) once per site, shuffled."""
    rng = random.Random(seed)
    fleet = [make_site(rng, n) for n in range(sites)]
    items = [StreamItem(ex["id"], ex["diagnosis_type"], n, site_variant(ex["log"], site, rng))
             for ex in examples for n, site in enumerate(fleet)]
    rng.shuffle(items)
    return items


def evaluate_hit_rate(examples: list[dict], sites: int = 20, local=None,
                      seed: int = SEED) -> dict:
    """Cache behaviour of the pipeline's key on a fleet stream (no database needed)."""
    from healer_ops.analysis.redact import redact
    from healer_ops.analysis.signature import error_signature, input_hash

    if local is None:
        from healer_ops.analysis.local import LocalAnalyzer

        local = LocalAnalyzer()
    stream = fleet_stream(examples, sites, seed)
    seen: set[str] = set()
    hits = 0
    hashes_by_fault: dict[str, set[str]] = defaultdict(set)
    labels_by_hash: dict[str, set[str]] = defaultdict(set)
    faults_by_hash: dict[str, set[str]] = defaultdict(set)
    for item in stream:
        redacted = redact(item.log)
        analysis = local.analyze(redacted)
        key = input_hash(error_signature(redacted), analysis.diagnosis_type, analysis.culprit)
        hits += key in seen
        seen.add(key)
        hashes_by_fault[item.fault_id].add(key)
        labels_by_hash[key].add(item.label)
        faults_by_hash[key].add(item.fault_id)
    total = len(stream)
    split = Counter(len(h) for h in hashes_by_fault.values())
    mixed_types = {k: sorted(v) for k, v in labels_by_hash.items() if len(v) > 1}
    return {
        "faults": len(examples),
        "sites": sites,
        "logs": total,
        "distinct_hashes": len(seen),
        "hit_rate": round(hits / total, 4) if total else 0.0,
        "best_possible_hit_rate": round(1 - len(examples) / total, 4) if total else 0.0,
        "faults_with_one_hash": split.get(1, 0),
        "hashes_per_fault_max": max(split) if split else 0,
        "worst_faults": sorted(((len(h), f) for f, h in hashes_by_fault.items()),
                               reverse=True)[:5],
        "hashes_shared_by_types": len(mixed_types),
        "hashes_shared_by_faults": sum(len(v) > 1 for v in faults_by_hash.values()),
    }
