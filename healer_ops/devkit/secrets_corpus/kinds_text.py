"""Secrets with little or no structure around them: provider tokens in messages, webhook
URLs, JWTs, private keys, SMTP conversations, passwords in prose and on command lines,
password hashes, credentials passed to PHP functions."""

from __future__ import annotations

import base64

from healer_ops.devkit.secrets_corpus import values as v
from healer_ops.devkit.secrets_corpus.shapes import (
    Plant,
    apache_error_line,
    debug_log_line,
    nginx_error_line,
    stack_frame,
)

_PROVIDERS = [
    ("Stripe", v.stripe_key, "Invalid API Key provided: {t}"),
    ("Stripe", v.stripe_webhook_secret, "No signatures found matching the expected signature "
                                         "for payload (secret {t})"),
    ("Twilio", v.twilio_api_key_sid, "[HTTP 401] Unable to create record: Authenticate "
                                     "(key {t})"),
    ("SendGrid", v.sendgrid_key, "The provided authorization grant is invalid, expired, or "
                                 "revoked: {t}"),
    ("Mailgun", v.mailgun_key, "Forbidden - check your domain and {t}"),
    ("Mailchimp", v.mailchimp_key, "API Key Invalid: Your API key may be invalid, or you've "
                                   "attempted to access the wrong datacenter. {t}"),
    ("Slack", v.slack_token, "invalid_auth for {t}"),
    ("GitHub", v.github_token, "Bad credentials when using {t}"),
    ("Google", v.google_api_key, "The provided API key is invalid. {t}"),
    ("Google", v.google_oauth_access, "Request had invalid authentication credentials {t}"),
    ("OpenAI", v.openai_key, "Incorrect API key provided: {t}. You can find your API key"),
    ("Shopify", v.shopify_token, "[API] Invalid API key or access token {t}"),
    ("Square", v.square_token, "UNAUTHORIZED: This request could not be authorized. {t}"),
    ("DigitalOcean", v.digitalocean_token, "Unable to authenticate you ({t})"),
    ("npm", v.npm_token, "401 Unauthorized - GET https://registry.npmjs.org/-/whoami ({t})"),
    ("PyPI", v.pypi_token, "403 Invalid or non-existent authentication information. {t}"),
    ("Docker", v.docker_pat, "unauthorized: incorrect username or password {t}"),
    ("GitLab", v.gitlab_token, "401 Unauthorized {t}"),
    ("AWS", v.aws_access_key_id, "The AWS Access Key Id you provided does not exist in our "
                                 "records. ({t})"),
]


BAD_KEY_FORMAT = 'Load key "/root/.ssh/deploy": invalid format'
AUTH_FAILURE = 'authentication failure for "/wp-admin"'


def provider_tokens_in_text(p: Plant) -> str:
    name, make, message = p.pick(_PROVIDERS)
    token = p.secret(make(p.rng))
    plugin = p.pick(["wp-mail-smtp", "woocommerce-gateway-stripe", "ai-engine", "wp-offload-ses"])
    text = f"{p.kept(name + ' API error')}: " + message.format(t=token)
    return p.pick([
        debug_log_line(p.rng, "Warning", f"{text} in {p.plugin_file(plugin)} on line "
                       f"{p.rng.randrange(20, 900)}"),
        nginx_error_line(p, f"PHP Fatal error:  Uncaught Exception: {text}"),
        f"{p.kept('Error:')} {text}",
    ])


def webhook_urls(p: Plant) -> str:
    did, dtoken = v.discord_webhook(p.rng)
    url = p.pick([
        f"https://hooks.slack.com/services/{p.secret(v.slack_webhook_path(p.rng))}",
        f"https://discord.com/api/webhooks/{did}/{p.secret(dtoken)}",
        f"https://api.telegram.org/bot{p.secret(v.telegram_bot_token(p.rng))}/sendMessage",
        f"https://hooks.zapier.com/hooks/catch/{p.rng.randrange(10**6, 10**7)}/"
        f"{p.secret(v.chars(p.rng, v.LOWER_HEX + 'xyz', 13))}/",
        f"https://outlook.office.com/webhook/{v.uuid(p.rng)}@{v.uuid(p.rng)}/IncomingWebhook/"
        f"{p.secret(v.hex_token(p.rng, 32))}/{v.uuid(p.rng)}",
    ])
    return p.pick([
        f"WP Activity Log: {p.kept('Notification could not be sent')} to {url} (HTTP 404)",
        debug_log_line(p.rng, "Warning", f"wp_remote_post({url}) failed: "
                       f"{p.kept('cURL error 6: Could not resolve host')}"),
    ])


def jwt_tokens(p: Plant) -> str:
    token = p.secret(v.jwt(p.rng))
    return p.pick([
        f"JWT Auth: {p.kept('jwt_auth_invalid_token')} Expired token {token}",
        f"[jwt-auth] {p.kept('Signature verification failed')} for token: {token}",
        nginx_error_line(p, f"PHP Warning:  Firebase\\JWT\\ExpiredException: Expired token "
                         f"(cookie auth_jwt={token})"),
        f"GET /wp-json/wp/v2/users/me?token={token} {p.kept('rest_forbidden')}",
    ])


def pem_private_keys(p: Plant) -> str:
    label = p.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
                    "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "DSA PRIVATE KEY"])
    body = v.openssh_key_body(p.rng) if "OPENSSH" in label else v.private_key_body(p.rng)
    for line in body:
        p.secret(line)
    style = p.rng.randrange(3)
    if style == 0:
        block = "\n".join([f"-----BEGIN {label}-----", *body, f"-----END {label}-----"])
        message = "openssl_sign(): supplied key param cannot be coerced into a private key"
        return f"{p.kept(message)} in {p.plugin_file()} on line 77. Key was:\n{block}"
    if style == 1:  # a service-account JSON, newlines escaped
        block = "\\n".join([f"-----BEGIN {label}-----", *body, f"-----END {label}-----", ""])
        return (f"Google\\Auth\\CredentialsLoader: {p.kept('invalid_grant')} "
                f"{{\"type\": \"service_account\", \"private_key\": \"{block}\", "
                f"\"token_uri\": \"https://oauth2.googleapis.com/token\"}}")
    # cut off at the end of the log (no END line), as tails of logs are
    block = "\n".join([f"-----BEGIN {label}-----", *body[:4]])
    return f"{p.kept(BAD_KEY_FORMAT)}\ncat deploy.key\n{block}"


def smtp_debug(p: Plant) -> str:
    user = v.email(p.rng)
    secret = v.password(p.rng)
    b64_user = base64.b64encode(user.encode()).decode()
    b64_pass = base64.b64encode(secret.encode()).decode()
    plain = base64.b64encode(f"\0{user}\0{secret}".encode()).decode()
    server = p.kept(p.pick(["smtp.gmail.com", "smtp.office365.com", "mail.hosting.example"]))
    style = p.rng.randrange(3)
    head = [f"SMTP INBOUND: \"220 {server} ESMTP ready\"", "CLIENT -> SERVER: EHLO shop.example"]
    if style == 0:
        p.secret(b64_user), p.secret(b64_pass)
        lines = ["CLIENT -> SERVER: AUTH LOGIN", "SERVER -> CLIENT: 334 VXNlcm5hbWU6",
                 f"CLIENT -> SERVER: {b64_user}", "SERVER -> CLIENT: 334 UGFzc3dvcmQ6",
                 f"CLIENT -> SERVER: {b64_pass}"]
    elif style == 1:
        p.secret(plain)
        lines = [f"CLIENT -> SERVER: AUTH PLAIN {plain}"]
    else:
        p.secret(user), p.secret(secret)
        lines = [f"2024-03-12 10:22:31\tSMTP Error: Could not authenticate. Username: {user} "
                 f"Password: {secret}"]
    tail = f"SERVER -> CLIENT: {p.kept('535-5.7.8 Username and Password not accepted')}"
    return "\n".join(head + lines + [tail])


def free_text_passwords(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace("'", "").replace('"', ""))
    user = p.pick(["admin", "editor", "shopmanager", "support"])
    return p.pick([
        f"Login failed for user {user} with password '{secret}' ({p.kept('invalid credentials')})",
        f"New user registered: {user}, password {secret} - {p.kept('welcome email not sent')}",
        f"[cron] backup.sh: mysqldump: {p.kept('Got error: 1045')}: passwd: {secret}",
        f"Your new password is: {secret}\n{p.kept('wp_mail() failed')}: Could not instantiate "
        f"mail function.",
        f"deploy: connecting as {user} using pwd={secret} ... {p.kept('Permission denied')}",
        f"Reset link failed; temporary password for {user} is {secret} ({p.kept('expired key')})",
        f"{p.kept('Authentication failed')}: the password {secret} does not match",
    ])


def cli_credentials(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace("'", "").replace('"', "").replace(" ", ""))
    user = p.pick(["root", "wp", "deploy", "backup"])
    command = p.pick([
        f"mysql -h db -u {user} -p{secret} wordpress < dump.sql",
        f"mysqldump --user={user} --password={secret} --single-transaction wp",
        f"mysqldump -u {user} --password '{secret}' wp",
        f"MYSQL_PWD={secret} mysql -u {user} -e 'SHOW DATABASES'",
        f"wp user create editor2 editor2@shop.example --role=editor --user_pass={secret}",
        f"wp config create --dbname=wp --dbuser={user} --dbpass={secret} --dbhost=db",
        f"curl -u {user}:{secret} https://shop.example/wp-json/wp/v2/posts",
        f"curl --user '{user}:{secret}' -X POST https://api.example.net/deploy",
        f"wget --http-user={user} --http-password={secret} https://backup.example/latest.zip",
        f"sshpass -p {secret} ssh {user}@files.hosting.example",
        f"lftp -u {user},{secret} sftp://files.hosting.example",
        f"htpasswd -b /etc/apache2/.htpasswd {user} {secret}",
        f"docker login -u {user} -p {secret} registry.example",
        f"rclone config create s3 s3 access_key_id=AKIA secret_access_key={secret}",
    ])
    outcome = p.pick(["ERROR 2002 (HY000)", "Error: Error establishing", "exit status 1"])
    return f"$ {command}\n{p.kept(outcome)}: command failed"


def password_hashes(p: Plant) -> str:
    value = p.secret(p.pick([v.phpass_hash(p.rng), v.bcrypt_hash(p.rng), v.apr1_hash(p.rng)]))
    mail = p.secret(v.email(p.rng))
    return p.pick([
        f"WordPress database error {p.kept('Duplicate entry')} 'editor2' for key 'user_login' for "
        f"query INSERT INTO `wp_users` (`user_login`, `user_pass`, `user_email`) VALUES "
        f"('editor2', '{value}', '{mail}') made by wp_insert_user",
        f"WordPress database error {p.kept('Lock wait timeout exceeded')} for query UPDATE "
        f"`wp_users` SET `user_pass` = '{value}', `user_activation_key` = '' WHERE `ID` = 12",
        f"AH01617: user {mail}: {p.kept(AUTH_FAILURE)}: Password "
        f"Mismatch (htpasswd line {mail}:{value})",
    ])


def function_args_credentials(p: Plant) -> str:
    user = p.secret(p.pick(["deploy", "ftpuser", "backup"]) + str(p.rng.randrange(10, 99)))
    secret = p.secret(v.password(p.rng).replace("'", ""))
    host = p.kept(p.pick(["ftp.hosting.example", "imap.gmail.com", "ldap.corp.example"]))
    call = p.pick([f"ftp_login(Resource id #12, '{user}', '{secret}')",
                   f"ssh2_auth_password(Resource id #7, '{user}', '{secret}')",
                   f"imap_open('{{{host}:993/imap/ssl}}INBOX', '{user}', '{secret}', 0, 1)",
                   f"ldap_bind(Object(LDAP\\Connection), 'cn={user},dc=corp,dc=example', "
                   f"'{secret}')",
                   f"wp_authenticate('{user}', '{secret}')",
                   f"wp_authenticate_username_password(NULL, '{user}', '{secret}')",
                   f"WP_Filesystem_FTPext->connect('{host}', '{user}', '{secret}')"])
    file = p.plugin_file()
    return "\n".join([
        debug_log_line(p.rng, "Fatal error", f"Uncaught ErrorException: "
                       f"{p.kept('Login incorrect')} in {file}:{p.rng.randrange(20, 400)}"),
        "Stack trace:",
        stack_frame(0, "[internal function]", 0, "handleError(2, 'ftp_login()...')"),
        stack_frame(1, file, p.rng.randrange(20, 400), call),
        stack_frame(2, "/var/www/html/wp-includes/class-wp-hook.php", 324, "run_backup('')"),
        "#3 {main}",
    ])


def apache_prefix_only(p: Plant) -> str:
    """A plain error behind an Apache prefix: only the client address is personal."""
    fault = p.kept("Allowed memory size of 268435456 bytes exhausted")
    return apache_error_line(p, f"PHP Fatal error:  {fault} (tried to allocate 20480 bytes) in "
                             f"{p.plugin_file()} on line 81")


KINDS = {
    "provider_tokens_in_text": provider_tokens_in_text,
    "webhook_urls": webhook_urls,
    "jwt_tokens": jwt_tokens,
    "pem_private_keys": pem_private_keys,
    "smtp_debug": smtp_debug,
    "free_text_passwords": free_text_passwords,
    "cli_credentials": cli_credentials,
    "password_hashes": password_hashes,
    "function_args_credentials": function_args_credentials,
    "apache_client_address": apache_prefix_only,
}
