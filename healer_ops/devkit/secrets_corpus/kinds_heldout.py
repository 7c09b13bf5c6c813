"""Held-out kinds: written with the rest of the corpus, before the redactor, and kept out of
its development. `healer-ops bench redaction` reports them apart, as a check that the rules
generalize to shapes nobody tuned them on."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

from healer_ops.devkit.secrets_corpus import values as v
from healer_ops.devkit.secrets_corpus.shapes import Plant, access_log_line, debug_log_line


def framework_error_page(p: Plant) -> str:
    """A Whoops / Ignition error page's environment table, as text."""
    key = p.secret("base64:" + v.chars(p.rng, v.B64, 43) + "=")
    secret = p.secret(v.password(p.rng).replace(" ", ""))
    mail_secret = p.secret(v.chars(p.rng, v.ALNUM, 20))
    return "\n".join([
        "Illuminate\\Database\\QueryException: "
        + p.kept("SQLSTATE[HY000] [2002] No such file or directory"),
        "Environment Variables", f"APP_KEY          {key}", "DB_HOST          127.0.0.1",
        f"DB_PASSWORD      {secret}", f"MAIL_PASSWORD    {mail_secret}",
        f"APP_ENV          {p.kept('production')}",
    ])


def login_security_log(p: Plant) -> str:
    ip = p.secret(v.public_ipv4(p.rng))
    mail = p.secret(v.email(p.rng))
    return p.pick([
        f"Wordfence: {p.kept('Used an invalid username')} '{mail}' to sign in from {ip}",
        f"Limit Login Attempts: {p.kept('lockout')} of IP {ip} after 4 failed attempts for "
        f"{mail}",
    ])


def backup_plugin_log(p: Plant) -> str:
    token = p.secret(p.pick(["sl." + v.chars(p.rng, v.B64URL, 130),
                             v.aws_secret_access_key(p.rng)]))
    secret = p.secret(v.password(p.rng).replace(" ", ""))
    return "\n".join([
        f"0000.041 (0) Opened log file at time: {p.kept('Tue, 12 Mar 2024')} 10:22:31 on "
        "https://shop.example",
        f"0003.220 (0) Dropbox: access token: {token}",
        f"0003.902 (0) SFTP: login as deploy with password {secret} "
        f"({p.kept('Authentication failed')})",
        f"0004.001 (0) {p.kept('Remote storage upload failed')}",
    ])


def cron_mail(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace(" ", "").replace(">", ""))
    mail = p.secret(v.email(p.rng))
    return "\n".join([
        "From: root@web01 (Cron Daemon)", f"To: {mail}",
        "Subject: Cron <www-data@web01> /usr/bin/php wp-cron.php",
        f"X-Cron-Env: <MYSQL_PWD={secret}>", "X-Cron-Env: <SHELL=/bin/sh>", "",
        f"PHP Fatal error:  {p.kept('Uncaught Error: Call to undefined function mysql_connect()')}",
    ])


UNKNOWN_DIRECTIVE = 'unknown directive "fastcgi_parm"'
INVALID_COMMAND = 'Invalid command "SetEnvs"'


def server_config_dump(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace(" ", "").replace(";", "").replace('"', ""))
    token = p.secret(v.hex_token(p.rng, 40))
    return p.pick([
        f"php-fpm: [pool www] env[DB_PASSWORD] = {secret}\nphp-fpm: "
        f"{p.kept('ERROR: failed to retrieve TCP_INFO for socket')}",
        f"nginx: [emerg] {p.kept(UNKNOWN_DIRECTIVE)} in /etc/nginx/sites-enabled/shop:31\n"
        f"    fastcgi_param DB_PASSWORD \"{secret}\";\n    fastcgi_param API_TOKEN {token};",
        f"/var/www/html/.htaccess: {p.kept(INVALID_COMMAND)}\nSetEnv DB_PASS {secret}",
    ])


def git_deploy_output(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace(" ", "").replace("@", "").replace("/", "")
                      .replace(":", ""))
    token = p.secret(v.gitlab_token(p.rng))
    return p.pick([
        f"remote: {p.kept('Invalid username or password')}.\nfatal: Authentication failed for "
        f"'https://deploy:{secret}@bitbucket.org/agency/shop.git/'",
        f"Cloning into 'plugins/custom'...\nfatal: could not read from remote "
        f"https://oauth2:{token}@gitlab.com/agency/custom.git "
        f"({p.kept('HTTP Basic: Access denied')})",
    ])


def monolog_json(p: Plant) -> str:
    bearer = p.secret(v.chars(p.rng, v.B64URL, 48))
    api_key = p.secret(v.hex_token(p.rng, 32))
    ip = p.secret(v.public_ipv4(p.rng))
    record = {"message": p.kept("Upstream API rejected the request"), "level": 400,
              "context": {"headers": {"authorization": [f"Bearer {bearer}"],
                                      "x-api-key": [api_key]}, "client_ip": ip},
              "channel": "shop-sync"}
    return json.dumps(record)


def login_form_body(p: Plant) -> str:
    secret = v.password(p.rng)
    encoded = quote_plus(secret)
    p.secret(secret)
    if encoded != secret:
        p.secret(encoded)
    body = p.pick([f"log=admin&pwd={encoded}&wp-submit=Log+In&redirect_to=%2Fwp-admin%2F&"
                   f"testcookie=1",
                   f"user_login=editor&pass1={encoded}&pass2={encoded}&rp_key=abc&wp-submit="
                   f"Save+Password"])
    denied = debug_log_line(p.rng, "Notice", "ModSecurity: " +
                            p.kept("Access denied with code 403"))
    return access_log_line(p, "POST", "/wp-login.php", 500) + f"\n{denied} [data \"{body}\"]"


KINDS = {
    "framework_error_page": framework_error_page,
    "login_security_log": login_security_log,
    "backup_plugin_log": backup_plugin_log,
    "cron_mail": cron_mail,
    "server_config_dump": server_config_dump,
    "git_deploy_output": git_deploy_output,
    "monolog_json": monolog_json,
    "login_form_body": login_form_body,
}
