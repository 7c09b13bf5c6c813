"""The fresh held-out half of the noisy stream (`part="fresh"`): noise kinds written after the
first held-out half had been looked at (and so had become tuning data), and scored only once
they were all written. Nothing here is in the "tune" or "held-out" halves: other plugins,
themes, classes and files; other PHP 8.x deprecations, WordPress notices and start-up
warnings; multi-line php-fpm slow-log records; other servers' chatter (Caddy JSON access
lines, ModSecurity denials of scanners, Redis saves, cron, php-fpm start-up); other wrappers
(containerd/CRI-O lines, journald JSON and short-precise, RFC 5424 syslog with PHP's error_log
= syslog, Apache 2.2 and 2.4 mod_php, Apache's ISO ErrorLogFormat, fluent-bit Kubernetes
JSON, Heroku, kubectl logs --prefix, Google Cloud Logging JSON), other time zones (half-hour
and 45-minute offsets, +14 and -12) and other line ends (CR only, CR CR LF, the NUL bytes a
copytruncate rotation leaves, a file whose tail was appended with CRLF).

Written from how those programs log, not from the analyzer's rules.
"""

from __future__ import annotations

import json
import random

from healer_ops.devkit.noise.pool import NoiseTemplate
from healer_ops.devkit.noise.wrappers import Clock, Entry, Request, WrapFunction, _per_line


def _php(level: str, text: str) -> NoiseTemplate:
    return NoiseTemplate("php", level, text)


def _raw(text: str) -> NoiseTemplate:
    return NoiseTemplate("raw", "", text)


TEMPLATES = (
    _php("Deprecated", "Implicitly marking parameter $args as nullable is deprecated, the "
         "explicit nullable type must be used instead{where}"),
    _php("Deprecated", "htmlspecialchars(): Passing null to parameter #1 ($string) of type "
         "string is deprecated in {root}/wp-includes/formatting.php on line 4724"),
    _php("Deprecated", "trim(): Passing null to parameter #1 ($string) of type string is "
         "deprecated{where}"),
    _php("Deprecated", "Use of \"static\" in callables is deprecated{where}"),
    _php("Deprecated", "Constant E_STRICT is deprecated{where}"),
    _php("Deprecated", "mb_convert_encoding(): Handling HTML entities via mbstring is "
         "deprecated; use htmlspecialchars, htmlentities, or mb_encode_numericentity/"
         "mb_decode_numericentity instead{where}"),
    _php("Deprecated", "Function wp_make_content_images_responsive is <strong>deprecated"
         "</strong> since version 5.5.0! Use wp_filter_content_tags() instead.{core_where}"),
    _php("Deprecated", "Function get_currentuserinfo is deprecated since version 4.5.0! Use "
         "wp_get_current_user() instead.{core_where}"),
    _php("Notice", "ob_end_flush(): Failed to send buffer of zlib output compression (0) in "
         "{root}/wp-includes/functions.php on line 5427"),
    _php("Notice", "Function WP_Block_Type_Registry::register was called <strong>incorrectly"
         "</strong>. Block type \"{plugin}/form\" is already registered. (This message was "
         "added in version 5.0.0.){core_where}"),
    _php("Notice", "Function wp_add_inline_style was called <strong>incorrectly</strong>. Do "
         "not pass <code>&lt;style&gt;</code> tags to <code>wp_add_inline_style()</code>. (This "
         "message was added in version 3.7.0.){core_where}"),
    _php("Notice", "The called constructor method for WP_Widget in {class} is <strong>"
         "deprecated</strong> since version 4.3.0! Use <code>__construct()</code> instead."
         "{core_where}"),
    _php("Notice", "Function is_embed was called <strong>incorrectly</strong>. Conditional "
         "query tags do not work before the query is run. Before then, they always return "
         "false. (This message was added in version 3.1.0.){core_where}"),
    _php("Notice", "session_start(): A session had already been started - ignoring{where}"),
    _php("Notice", "Undefined property: stdClass::$queue{where}"),
    _php("Notice", "Object of class WP_Error could not be converted to int{where}"),
    _php("Warning", "Undefined array key 0{where}"),
    _php("Warning", "Attempt to read property \"ID\" on bool{where}"),
    _php("Warning", "Trying to access array offset on value of type bool{where}"),
    _php("Warning", "Undefined global variable $wp_query{where}"),
    _php("Warning", "ini_set(): Session ini settings cannot be changed after headers have "
         "already been sent{where}"),
    _php("Warning", "Module \"imagick\" is already loaded in Unknown on line 0"),
    _php("Warning", "PHP Startup: Unable to load dynamic library 'sodium' (tried: "
         "/usr/lib/php/20220829/sodium (/usr/lib/php/20220829/sodium: cannot open shared "
         "object file: No such file or directory)) in Unknown on line 0"),
    _php("Warning", "JIT is incompatible with third party extensions that override "
         "zend_execute_ex(). JIT disabled. in Unknown on line 0"),
    _php("Warning", "Unknown: Input variables exceeded 1000. To increase the limit change "
         "max_input_vars in php.ini. in Unknown on line 0"),
    _php("Warning", "exif_read_data(IMG_{n}.jpg): Illegal IFD size{where}"),
    _php("Warning", "imagecreatefromstring(): Data is not in a recognized format{where}"),
    _php("Warning", "DOMDocument::loadHTML(): Tag svg invalid in Entity, line: {n}{where}"),
    _php("Warning", "Zend OPcache API is restricted by \"restrict_api\" configuration "
         "directive{where}"),
    _php("Warning", "Undefined property: WP_Error::$ID{where}"),
    _php("Warning", "array_key_exists(): The first argument should be either a string or an "
         "integer{where}"),
    _php("Warning", "Undefined variable $instance{where}"),
    # php-fpm's slow log: one record over several lines (the stack of a slow request)
    _raw("[{fpm_time}]  [pool www] pid {pid}\nscript_filename = {root}/index.php\n"
         "[0x00007f3b2c8{n}] curl_exec() {root}/wp-includes/Requests/src/Transport/Curl.php:205\n"
         "[0x00007f3b2c7{n}] request() {root}/wp-includes/class-wp-http.php:395\n"
         "[0x00007f3b2c6{n}] main() {root}/index.php:17"),
    _raw("[{fpm_time}] WARNING: [pool www] child {pid}, script '{root}/index.php' (request: "
         "\"GET /index.php\") executing too slow (5.{n} sec), logging"),
    _raw("[{fpm_time}] NOTICE: fpm is running, pid 1"),
    _raw("[{fpm_time}] NOTICE: ready to handle connections"),
    _raw("[{fpm_time}] NOTICE: Terminating ..."),
    _raw("[{fpm_time}] NOTICE: exiting, bye-bye!"),
    _raw("{nginx_time} [notice] 1#1: using the \"epoll\" event method"),
    _raw("{nginx_time} [notice] 1#1: start worker process {pid}"),
    _raw("{nginx_time} [info] {pid}#{pid}: *{n} client timed out (110: Connection timed out) "
         "while waiting for request, client: {ip}, server: 0.0.0.0:443"),
    _raw("{nginx_time} [warn] {pid}#{pid}: *{n} a client request body is buffered to a "
         "temporary file /var/cache/nginx/client_temp/00000{n}, client: {ip}, server: "
         "{domain}, request: \"POST /wp-admin/async-upload.php HTTP/2.0\", host: \"{domain}\""),
    _raw("{{\"level\":\"info\",\"ts\":{epoch},\"logger\":\"http.log.access\",\"msg\":\"handled "
         "request\",\"request\":{{\"remote_ip\":\"{ip}\",\"method\":\"GET\",\"host\":\"{domain}\","
         "\"uri\":\"/{path}\"}},\"status\":404,\"duration\":0.0021}}"),
    _raw("[{apache_time}] [security2:error] [pid {pid}:tid {n}] [client {ip}:{port}] [client "
         "{ip}] ModSecurity: Access denied with code 403 (phase 2). Matched \"Operator "
         "`PmFromFile' with parameter `scanners-user-agents.data' against variable "
         "`REQUEST_HEADERS:User-Agent'\" [file \"/etc/modsecurity/crs/rules/REQUEST-913-SCANNER-"
         "DETECTION.conf\"] [line \"34\"] [id \"913100\"] [msg \"Found User-Agent associated "
         "with security scanner\"] [hostname \"{domain}\"] [uri \"/{path}\"]"),
    _raw("1:M {redis_time} * Background saving started by pid {pid}"),
    _raw("1:M {redis_time} * DB saved on disk"),
    _raw("{mysql_time} 0 [Note] InnoDB: Buffer pool(s) load completed at 240305 10:11:12"),
    _raw("{syslog_time} web01 CRON[{pid}]: (www-data) CMD (php {root}/wp-cron.php > /dev/null "
         "2>&1)"),
    _raw("Success: Executed a total of 4 cron events."),
    _raw("{php_stamp} [Yoast SEO] Indexables: {n} objects indexed"),
    _raw("{domain}:443 {ip} - - [{access_time}] \"GET /{path} HTTP/1.1\" 301 562 \"-\" "
         "\"curl/8.5.0\""),
)

PLUGINS = (
    "elementor-pro", "wp-fastest-cache", "broken-link-checker", "regenerate-thumbnails",
    "sucuri-scanner", "wp-graphql", "polylang", "yith-woocommerce-wishlist", "mailpoet",
    "buddypress", "bbpress", "loco-translate", "custom-post-type-ui", "wp-migrate-db",
    "query-monitor", "imagify", "ewww-image-optimizer", "seo-by-rank-math", "fluentform",
    "wpdiscuz", "instagram-feed", "woocommerce-payments", "health-check",
)
THEMES = ("blocksy", "sydney", "zakra", "twentytwentythree", "Newspaper", "bridge", "salient",
          "betheme", "Impreza", "colibri-wp")
CLASSES = ("RankMath\\Helper", "WPGraphQL\\Router", "PLL_Frontend", "YITH_WCWL_Frontend",
           "MailPoet\\Config\\Initializer", "BP_Members_Component", "QM_Collector_Hooks",
           "Imagify_Plugin", "WC_Payments_Account", "Blocksy_Manager")
FILES = ("src/Admin/Admin.php", "includes/class-core.php", "lib/vendor/autoload.php",
         "app/Services/Handler.php", "inc/template-tags.php", "core/class-plugin.php",
         "modules/settings.php")
KEYS = ("REQUEST_URI", "orderby", "lang", "HTTP_USER_AGENT", "paged")
PATHS = ("wp-admin/setup-config.php", "phpmyadmin/", ".git/config", "wp-json/wp/v2/users",
         "?author=1", "backup.zip")
ZONES = ("Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati", "Etc/GMT+12",
         "Africa/Casablanca", "America/Sao_Paulo", "Asia/Singapore", "America/Halifax",
         "Asia/Tehran", "Europe/Dublin")


# ---------------------------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------------------------

def _without_php_stamp(line: str) -> str:
    """PHP's error_log = syslog (and a web server's own log) write no "[date zone] " stamp."""
    return line.split("] ", 1)[1] if line.startswith("[") and "] PHP " in line[:60] else line


def _php_level(head: str) -> str:
    for word, level in (("Fatal", "error"), ("Parse error", "error"), ("Warning", "warn")):
        if word in head:
            return level
    return "notice"


def _cri(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
         ) -> list[str]:
    return _per_line(lambda c, r: f"{c.stamps()['cri_time']} stderr F ")(
        entries, clock, request, rng)


def _journal_json(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                  ) -> list[str]:
    out = []
    for entry in entries:
        for line in entry.lines:
            stamps = clock.stamps()
            out.append(json.dumps({
                "__REALTIME_TIMESTAMP": stamps["epoch_us"], "_HOSTNAME": "web01",
                "SYSLOG_IDENTIFIER": "php-fpm", "_PID": str(request.pid),
                "PRIORITY": "3" if entry.php and _php_level(entry.lines[0]) == "error" else "6",
                "MESSAGE": line}))
    return out


def _rfc5424(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
             ) -> list[str]:
    out = []
    for entry in entries:
        level = _php_level(entry.lines[0]) if entry.php else "info"
        priority = 8 + {"error": 3, "warn": 4, "notice": 5, "info": 6}[level]
        for number, line in enumerate(entry.lines):
            text = _without_php_stamp(line) if entry.php and number == 0 else line
            out.append(f"<{priority}>1 {clock.stamps()['rfc5424_time']} web01 php-fpm "
                       f"{request.pid} - - {text}")
    return out


def _journal_precise(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                     ) -> list[str]:
    return _per_line(lambda c, r: f"{c.stamps()['journal_precise']} web01 php-fpm8.3[{r.pid}]: ")(
        entries, clock, request, rng)


def _mod_php(head_prefix) -> WrapFunction:
    """Apache with mod_php: the head line of a PHP message as an Apache record (PHP's own
    stamp dropped), its continuation lines as PHP wrote them."""
    def wrap(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
             ) -> list[str]:
        out = []
        for entry in entries:
            if not entry.php:
                out.extend(entry.lines)
                continue
            head = _without_php_stamp(entry.lines[0])
            out.append(head_prefix(clock, request, _php_level(head)) + head)
            out.extend(entry.lines[1:])
        return out
    return wrap


_apache22 = _mod_php(lambda c, r, level: f"[{c.stamps()['apache22_time']}] "
                     f"[{'warn' if level == 'warn' else 'error'}] [client {r.ip}] ")
_apache24 = _mod_php(lambda c, r, level: f"[{c.stamps()['apache_time']}] [php:{level}] "
                     f"[pid {r.pid}:tid {140_000_000_000_000 + r.pid}] [client {r.ip}:{r.port}] ")
_apache_iso = _mod_php(lambda c, r, level: f"[{c.stamps()['apache_iso']}] [php7:{level}] "
                       f"[pid {r.pid}] [client {r.ip}:{r.port}] ")


def _fluent_bit(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                ) -> list[str]:
    pod = f"wordpress-{request.pid:x}-x2z1q"
    return [json.dumps({"@timestamp": clock.stamps()["rfc5424_time"], "log": line,
                        "stream": "stderr", "kubernetes": {
                            "pod_name": pod, "namespace_name": "web",
                            "container_name": "wordpress"}})
            for entry in entries for line in entry.lines]


def _heroku(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
            ) -> list[str]:
    return _per_line(lambda c, r: f"{c.stamps()['heroku_time']} app[web.1]: ")(
        entries, clock, request, rng)


def _kubectl_prefix(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                    ) -> list[str]:
    pod = f"wordpress-{request.pid:x}b5-x2z1q"
    return _per_line(lambda c, r: f"[pod/{pod}/wordpress] ")(entries, clock, request, rng)


def _cloud_logging(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                   ) -> list[str]:
    out = []
    for entry in entries:
        severity = {"error": "ERROR", "warn": "WARNING", "notice": "NOTICE"}[
            _php_level(entry.lines[0])] if entry.php else "INFO"
        for line in entry.lines:
            out.append(json.dumps({"textPayload": line, "severity": severity,
                                   "timestamp": clock.stamps()["rfc5424_time"],
                                   "resource": {"type": "gce_instance"}}))
    return out


WRAPPERS: tuple[tuple[str, WrapFunction], ...] = (
    ("cri", _cri),
    ("journald-json", _journal_json),
    ("syslog-rfc5424", _rfc5424),
    ("journald-short-precise", _journal_precise),
    ("apache22-mod-php", _apache22),
    ("apache24-mod-php", _apache24),
    ("apache-iso-errorlogformat", _apache_iso),
    ("fluent-bit-kubernetes", _fluent_bit),
    ("heroku", _heroku),
    ("kubectl-prefix", _kubectl_prefix),
    ("cloud-logging-json", _cloud_logging),
)


# ---------------------------------------------------------------------------------------------
# Line ends
# ---------------------------------------------------------------------------------------------

def line_ends(lines: list[str], rng: random.Random) -> tuple[str, str]:
    """The lines joined with line-end habits the other halves do not have; (text, what)."""
    roll = rng.random()
    if roll < 0.2:
        return "\r".join(lines) + "\r", "cr"
    if roll < 0.4:
        return "\r\r\n".join(lines) + "\r\r\n", "crcrlf"
    if roll < 0.55:  # copytruncate rotation: NUL bytes where the old content was
        return "\x00" * rng.randint(1, 4096) + "\n".join(lines), "nul-lead"
    if roll < 0.7:  # appended to by a Windows tool halfway
        half = len(lines) // 2
        return "\n".join(lines[:half]) + "\n" + "\r\n".join(lines[half:]) + "\r\n", "lf-then-crlf"
    return "\n".join(lines) + "\n", "lf"
