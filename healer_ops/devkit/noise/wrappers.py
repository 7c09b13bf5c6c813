"""How other programs wrap a PHP message, and the clocks they stamp it with.

A wrapper takes the log's entries (a head line and its continuation lines; `php` says whether
the entry is a PHP message) and returns the lines as that program would have written them:

- nginx FastCGI: consecutive PHP messages of one request in one "[error] ... FastCGI sent in
  stderr: "PHP message: ...PHP message: ..." while reading response header from upstream,
  client: ..." line (the message's own newlines kept);
- Apache mod_proxy_fcgi: "[...] [proxy_fcgi:error] [pid n:tid n] [client ip:port] AH01071:
  Got error 'PHP message: ...\\nPHP message: ...', referer: ..." (Apache escapes newlines);
- php-fpm workers (catch_workers_output): one "WARNING: [pool www] child N said into stderr:
  "NOTICE: PHP message: ..."" line per line of output;
- docker compose ("wordpress-1  | "), syslog ("Mar  5 10:11:12 web01 php-fpm[2211]: "),
  LiteSpeed's stderr log, docker's json-file driver, kubectl --timestamps, journald's
  short-iso output: one prefix (or JSON object) per line.

Split like the noise pool: every third wrapper and time zone is held out; the fresh half
has wrappers and zones of its own (fresh.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from healer_ops.devkit.noise.pool import _split


@dataclass
class Clock:
    """The variant's time: a moment that advances, written in its zone in every format."""

    zone: str
    moment: datetime  # aware, UTC
    rng: random.Random = field(repr=False)

    def tick(self) -> datetime:
        self.moment += timedelta(seconds=self.rng.randint(0, 3),
                                 microseconds=self.rng.randint(0, 999_999))
        return self.moment.astimezone(ZoneInfo(self.zone))

    def stamps(self) -> dict[str, str]:
        """Every format, at the next tick."""
        local = self.tick()
        utc = local.astimezone(UTC)
        offset = local.strftime("%z")
        return {
            "php_stamp": local.strftime("[%d-%b-%Y %H:%M:%S ") + self.zone + "]",
            "nginx_time": local.strftime("%Y/%m/%d %H:%M:%S"),
            "apache_time": local.strftime("%a %b %d %H:%M:%S.%f %Y"),
            "fpm_time": local.strftime("%d-%b-%Y %H:%M:%S"),
            "access_time": local.strftime("%d/%b/%Y:%H:%M:%S ") + offset,
            "mysql_time": utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "syslog_time": f"{local:%b} {local.day:2d} {local:%H:%M:%S}",
            "iso_time": local.isoformat(timespec="microseconds"),
            "rfc3339nano": utc.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z",
            "litespeed_time": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "journal_time": local.strftime("%Y-%m-%dT%H:%M:%S") + offset,
            # the fresh half's (fresh.py)
            "cri_time": f"{local:%Y-%m-%dT%H:%M:%S.%f}789{offset[:3]}:{offset[3:]}",
            "rfc5424_time": local.isoformat(timespec="microseconds"),
            "journal_precise": local.strftime("%b %d %H:%M:%S.%f"),
            "apache22_time": local.strftime("%a %b %d %H:%M:%S %Y"),
            "apache_iso": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "heroku_time": utc.isoformat(timespec="microseconds"),
            "redis_time": local.strftime("%d %b %Y %H:%M:%S.") + f"{local.microsecond // 1000:03d}",
            "epoch": f"{utc.timestamp():.6f}",
            "epoch_us": str(int(utc.timestamp() * 1_000_000)),
        }


_ZONES = ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "America/New_York",
          "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London", "Asia/Tokyo", "Etc/GMT-3",
          "America/Los_Angeles", "Europe/Moscow", "Pacific/Chatham")


def zones(part: str) -> tuple[str, ...]:
    if part == "fresh":
        from healer_ops.devkit.noise import fresh

        return fresh.ZONES
    return _split(_ZONES, part)


@dataclass(frozen=True)
class Entry:
    lines: tuple[str, ...]
    php: bool  # a PHP message (what FastCGI carries); else another program's lines


@dataclass(frozen=True)
class Request:
    """The request a web server names after a message."""

    ip: str
    port: int
    domain: str
    path: str
    pid: int
    connection: int


WrapFunction = Callable[[list[Entry], Clock, Request, random.Random], list[str]]


def _bundled(entries: list[Entry], wrap: Callable[[list[str]], list[str]]) -> list[str]:
    """The lines of `entries` where each run of PHP messages is one web-server line (or
    several, if `wrap` splits it): the way FastCGI relays a request's stderr."""
    out: list[str] = []
    bundle: list[str] = []
    for entry in entries:
        if entry.php:
            bundle.append("\n".join(entry.lines))
            continue
        if bundle:
            out.extend(wrap(bundle))
            bundle = []
        out.extend(entry.lines)
    if bundle:
        out.extend(wrap(bundle))
    return out


def _nginx(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
           ) -> list[str]:
    joiner = rng.choice(["", "\n"])  # FPM's stderr chunks arrive glued or on their own lines

    def wrap(bundle: list[str]) -> list[str]:
        body = joiner.join("PHP message: " + text for text in bundle)
        suffix = (f"\" while reading response header from upstream, client: {request.ip}, "
                  f"server: {request.domain}, request: \"GET /{request.path} HTTP/1.1\", "
                  "upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: "
                  f"\"{request.domain}\"")
        head = (f"{clock.stamps()['nginx_time']} [error] {request.pid}#{request.pid}: "
                f"*{request.connection} FastCGI sent in stderr: \"")
        return (head + body + suffix).split("\n")

    return _bundled(entries, wrap)


def _apache_fcgi(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                 ) -> list[str]:
    def wrap(bundle: list[str]) -> list[str]:
        body = "\\n".join("PHP message: " + text.replace("\n", "\\n") for text in bundle)
        return [f"[{clock.stamps()['apache_time']}] [proxy_fcgi:error] [pid {request.pid}:"
                f"tid {140_000_000_000_000 + request.pid}] [client {request.ip}:"
                f"{request.port}] AH01071: Got error '{body}', referer: "
                f"https://{request.domain}/{request.path}"]

    return _bundled(entries, wrap)


def _fpm_workers(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                 ) -> list[str]:
    out = []
    for entry in entries:
        if not entry.php:
            out.extend(entry.lines)
            continue
        for number, line in enumerate(entry.lines):
            decorated = ("NOTICE: PHP message: " if number == 0 else "NOTICE: ") + line
            out.append(f"[{clock.stamps()['fpm_time']}] WARNING: [pool www] child "
                       f"{request.pid} said into stderr: \"{decorated}\"")
    return out


def _per_line(prefix: Callable[[Clock, Request], str], php_only: bool = False) -> WrapFunction:
    def wrap(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
             ) -> list[str]:
        out = []
        for entry in entries:
            for line in entry.lines:
                wrapped = not php_only or entry.php
                out.append(prefix(clock, request) + line if wrapped else line)
        return out
    return wrap


def _docker_json(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                 ) -> list[str]:
    return [json.dumps({"log": line + "\n", "stream": "stderr",
                        "time": clock.stamps()["rfc3339nano"]})
            for entry in entries for line in entry.lines]


def _compose_service(rng: random.Random) -> str:
    return rng.choice(["wordpress-1", "wordpress_1", "wp-1", "php-fpm-1", "app-1"])


def _docker_compose(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
                    ) -> list[str]:
    service = _compose_service(rng)
    width = len(service) + rng.choice([1, 2, 6])
    return _per_line(lambda c, r: f"{service:<{width}}| ")(entries, clock, request, rng)


def _syslog(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
            ) -> list[str]:
    host, ident = rng.choice(["web01", "wp-prod-3", "ip-10-0-3-17"]), rng.choice(
        ["php-fpm", "php", "php-fpm8.2", "apache2"])
    return _per_line(lambda c, r: f"{c.stamps()['syslog_time']} {host} {ident}[{r.pid}]: ")(
        entries, clock, request, rng)


def _litespeed(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
               ) -> list[str]:
    return _per_line(lambda c, r: f"{c.stamps()['litespeed_time']} [NOTICE] [{r.pid}] [T0] "
                                  f"[{r.ip}:{r.port}#APVH_{r.domain}:443] [STDERR] ",
                     php_only=True)(entries, clock, request, rng)


def _kubectl(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
             ) -> list[str]:
    return _per_line(lambda c, r: c.stamps()["rfc3339nano"] + " ")(entries, clock, request, rng)


def _journald(entries: list[Entry], clock: Clock, request: Request, rng: random.Random
              ) -> list[str]:
    host = rng.choice(["web01", "wp-prod-3"])
    return _per_line(lambda c, r: f"{c.stamps()['journal_time']} {host} php-fpm8.2[{r.pid}]: ")(
        entries, clock, request, rng)


_WRAPPERS: tuple[tuple[str, WrapFunction], ...] = (
    ("nginx-fastcgi", _nginx),
    ("apache-proxy-fcgi", _apache_fcgi),
    ("fpm-workers", _fpm_workers),
    ("docker-compose", _docker_compose),
    ("syslog", _syslog),
    ("litespeed", _litespeed),
    ("docker-json", _docker_json),
    ("kubectl-timestamps", _kubectl),
    ("journald", _journald),
)


def wrappers(part: str) -> tuple[tuple[str, WrapFunction], ...]:
    if part == "fresh":
        from healer_ops.devkit.noise import fresh

        return fresh.WRAPPERS
    return _split(_WRAPPERS, part)
