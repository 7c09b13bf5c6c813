"""Recipes of what the web server or a probe sees: redirect loops and bad .htaccess lines,
TLS failures, white screens, and a 502 with no evidence at all."""

from __future__ import annotations

import string

from healer_ops.devkit.fleet.logs.context import LogContext
from healer_ops.devkit.fleet.logs.writing import (
    apache_timestamp,
    php_timestamp,
    pick,
    probe_time,
    uncaught,
    with_noise,
    word,
)


def make_htaccess(rng) -> dict:
    return {"error_type": pick(rng, ("REDIRECT_LOOP", "INVALID_COMMAND", "TOO_MANY_REDIRECTS")),
            "directive": pick(rng, ("php_value", "php_flag", "Header", "ExpiresActive"))}


def render_htaccess(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    stamp = apache_timestamp(ctx.later(1).when, rng)
    if p["error_type"] == "REDIRECT_LOOP":
        return (f"{stamp} [core:error] [pid {rng.integers(900, 9000)}:tid "
                f"{rng.integers(10 ** 14, 10 ** 15)}] [client {ctx.ip()}:"
                f"{rng.integers(30000, 65000)}]"
                " AH00124: Request exceeded the limit of 10 internal redirects due to probable "
                "configuration error. Use 'LimitInternalRecursion' to increase the limit if "
                "necessary. Use 'LogLevel debug' to get a backtrace., referer: "
                f"https://{ctx.domain}/wp-admin/")
    if p["error_type"] == "INVALID_COMMAND":
        return (f"{stamp} [core:alert] [pid {rng.integers(900, 9000)}] [client {ctx.ip()}:"
                f"{rng.integers(30000, 65000)}] {ctx.root}/.htaccess: Invalid command "
                f"'{p['directive']}', perhaps misspelled or defined by a module not included in "
                "the server configuration")
    hops = "\n".join(f"< HTTP/2 301\n< location: https://{'www.' if i % 2 else ''}{ctx.domain}/"
                     for i in range(int(rng.integers(2, 5))))
    return (f"{probe_time(ctx)} curl -sIL https://{ctx.domain}/\n{hops}\n"
            f"curl: (47) Maximum ({int(pick(rng, (20, 50)))}) redirects followed")


def make_ssl(rng) -> dict:
    return {"error_type": pick(rng, ("CERT_EXPIRED", "LOCAL_ISSUER", "NAME_MISMATCH",
                                      "MIXED_CONTENT")),
            "vendor": pick(rng, ("api.wpmudev.com", "license.elementor.com",
                                  "api.wordfence.com", "connect.advancedcustomfields.com",
                                  "api.mailchimp.com"))}


def render_ssl(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    when = php_timestamp(ctx.later(1).when)
    kind = p["error_type"]
    if kind == "MIXED_CONTENT":
        image = f"http://{ctx.domain}/wp-content/uploads/{ctx.when:%Y/%m}/{word(rng, 7)}.jpg"
        return (f"Mixed Content: The page at 'https://{ctx.domain}/' was loaded over HTTPS, but "
                f"requested an insecure image '{image}'. This content should also be served over"
                " HTTPS.")
    key = ctx.secret("api_key", word(rng, 32, string.hexdigits.lower()))
    url = f"https://{p['vendor']}/v1/license/check?domain={ctx.domain}&key={key}"
    detail = {"CERT_EXPIRED": "cURL error 60: SSL certificate problem: certificate has expired",
              "LOCAL_ISSUER": "cURL error 60: SSL certificate problem: unable to get local "
                              "issuer certificate",
              "NAME_MISMATCH": "cURL error 51: SSL: no alternative certificate subject name "
                               f"matches target host name '{p['vendor']}'"}[kind]
    return with_noise(ctx, [f"{when} wp_remote_get({url}) failed: {detail}"])


def make_wsod(rng) -> dict:
    return {"error_type": pick(rng, ("EMPTY_BODY", "CRITICAL_ERROR", "MU_PLUGIN_FATAL")),
            "mu_file": f"{word(rng, 6)}-{pick(rng, ('loader', 'tweaks', 'security'))}.php",
            "func": f"{word(rng, 4)}_{word(rng, 6)}", "line": int(rng.integers(5, 300))}


def render_wsod(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "EMPTY_BODY":
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 200 OK, "
                "Content-Length: 0, "
                f"{rng.integers(80, 400)} ms\nno PHP errors logged (log_errors=Off)")
    if p["error_type"] == "CRITICAL_ERROR":
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 500 Internal Server "
                "Error\n"
                "There has been a critical error on this website. Please check your site admin "
                "email inbox for instructions.\nLearn more about troubleshooting WordPress.")
    return with_noise(ctx, [uncaught(ctx.later(1), "Error", f"Call to undefined function "
                                      f"{p['func']}()", f"wp-content/mu-plugins/{p['mu_file']}",
                                      p["line"])])


def render_unknown(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if rng.random() < 0.5:
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 502 Bad Gateway\n"
                "server: cloudflare\n"
                f"cf-ray: {word(rng, 16, '0123456789abcdef')}-FRA\nerror code: 502")
    return f"{probe_time(ctx)} curl -s https://{ctx.domain}/\ncurl: (52) Empty reply from server"
