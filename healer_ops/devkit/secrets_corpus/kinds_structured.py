"""Secrets inside structure: URLs, DSNs, connection strings, call arguments, query strings,
HTTP headers, JSON, PHP dumps, serialized options, environments, defines, YAML and XML."""

from __future__ import annotations

import base64
import json

from healer_ops.devkit.secrets_corpus import values as v
from healer_ops.devkit.secrets_corpus.shapes import (
    Plant,
    access_log_line,
    apache_error_line,
    debug_log_line,
    stack_frame,
)


def url_userinfo_ftp(p: Plant) -> str:
    user = p.secret(v.db_user(p.rng))
    secret, encoded = v.url_password(p.rng)
    p.secret(secret)
    if encoded != secret:
        p.secret(encoded)
    scheme = p.pick(["ftp", "ftps", "sftp", "ssh", "ftpes"])
    host = p.kept(f"files{p.rng.randrange(1, 9)}.hosting.example")
    url = f"{scheme}://{user}:{encoded}@{host}:{p.pick([21, 22, 990, 2222])}/public_html/"
    return p.pick([
        debug_log_line(p.rng, "Warning", f"ftp_connect(): php_network_getaddresses: getaddrinfo "
                       f"for {host} failed: Name or service not known while opening {url}"),
        f"UpdraftPlus: {scheme.upper()} upload: Failed to connect to {url} "
        f"({p.kept('Connection timed out')} after 20001 ms)",
        f"BackWPup: ERROR: {p.kept('Could not log in')} to {url}wp-backups/ "
        f"(server said: 530 Login incorrect.)",
    ])


def url_userinfo_password_only(p: Plant) -> str:
    secret = p.secret(v.chars(p.rng, v.ALNUM, p.rng.randrange(16, 40)))
    host = p.kept(v.hostname(p.rng))
    url = p.pick([f"redis://:{secret}@{host}:6379/0", f"rediss://default:{secret}@{host}:6380",
                  f"tcp://:{secret}@{host}:6379?database=2",
                  f"memcached://:{secret}@{host}:11211"])
    return p.pick([
        debug_log_line(p.rng, "Fatal error", f"Uncaught Predis\\Connection\\ConnectionException: "
                       f"{p.kept('Connection refused')} [{url}] in {p.plugin_file('redis-cache')}"
                       f":{p.rng.randrange(100, 900)}"),
        f"Redis Object Cache: {p.kept('Connection refused')}. Using {url} "
        f"(WP_REDIS_SCHEME=tls)",
    ])


def url_userinfo_token_user(p: Plant) -> str:
    token = p.secret(p.pick([v.github_token(p.rng), v.gitlab_token(p.rng), v.hex_token(p.rng, 40)]))
    repo = p.kept(p.pick(["acme/shop-theme", "agency/client-plugins", "wp/site-config"]))
    host = p.pick(["github.com", "gitlab.com", "bitbucket.org"])
    url = p.pick([f"https://{token}@{host}/{repo}.git",
                  f"https://x-access-token:{token}@{host}/{repo}.git",
                  f"https://oauth2:{token}@{host}/{repo}.git",
                  f"https://{token}:x-oauth-basic@{host}/{repo}.git"])
    return p.pick([
        f"Cloning into '/var/www/html/wp-content/themes/shop'...\nfatal: unable to access "
        f"'{url}/': {p.kept('The requested URL returned error: 403')}",
        f"WP Pusher: {p.kept('Could not install package')} from {url} (HTTP 401)",
        f"composer install\n  - Syncing {repo} (dev-main 4f2a1c9) into cache\n    "
        f"{p.kept('Failed to execute git clone')} --mirror -- '{url}' '/root/.cache/composer/vcs/'",
    ])


def dsn_urls(p: Plant) -> str:
    user = p.secret(v.db_user(p.rng))
    secret, encoded = v.url_password(p.rng)
    p.secret(secret)
    if encoded != secret:
        p.secret(encoded)
    host = p.kept(v.hostname(p.rng))
    dsn = p.pick([f"amqp://{user}:{encoded}@{host}:5672/%2f",
                  f"amqps://{user}:{encoded}@{host}/vhost",
                  f"mongodb+srv://{user}:{encoded}@cluster0.{v.chars(p.rng, 'abcdefgh', 5)}"
                  f".mongodb.net/wp?retryWrites=true&w=majority",
                  f"mongodb://{user}:{encoded}@{host}:27017/admin",
                  f"postgresql://{user}:{encoded}@{host}:5432/wordpress?sslmode=require",
                  f"postgres://{user}:{encoded}@{host}/wp", f"mysql://{user}:{encoded}@{host}/wp",
                  f"mysql2://{user}:{encoded}@{host}:3306/wp",
                  f"smtp://{user}:{encoded}@{host}:587", f"sqlsrv://{user}:{encoded}@{host}/wp",
                  f"elasticsearch+https://{user}:{encoded}@{host}:9243",
                  f"http://{user}:{encoded}@{host}:9200/wp-index/_search"])
    return p.pick([
        f"PHP Fatal error:  Uncaught Exception: {p.kept('Could not connect')} to {dsn} in "
        f"{p.plugin_file()}:88",
        f"ElasticPress: {p.kept('Unable to reach Elasticsearch Server')} at {dsn}",
        f"Symfony\\Component\\Messenger\\Exception\\TransportException: "
        f"{p.kept('Server connection failed')}, dsn: {dsn}",
    ])


def connection_strings(p: Plant) -> str:
    user = p.secret(v.db_user(p.rng))
    secret = p.secret(v.password(p.rng).replace(";", "").replace("}", "").replace("'", ""))
    host = p.kept(v.hostname(p.rng))
    account_key = v.azure_account_key(p.rng)
    text = p.pick([
        f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{host},1433;Database=wp;Uid={user};"
        f"Pwd={secret};Encrypt=yes;",
        f"Server={host};Database=wordpress;User ID={user};Password={secret};Trusted_Connection"
        f"=False;",
        f"Data Source={host};Initial Catalog=wp;User Id={user};Password='{secret}';",
        f"host={host} port=5432 dbname=wp user={user} password={secret} sslmode=require",
        f"DefaultEndpointsProtocol=https;AccountName=wpmedia{len(user)};AccountKey={p.secret(account_key)};"
        f"EndpointSuffix=core.windows.net",
    ])
    return p.pick([
        "SQLSTATE[08001]: [Microsoft][ODBC Driver 18 for SQL Server]"
        f"{p.kept('Login timeout expired')} (connection string: {text})",
        f"PHP Warning:  pg_connect(): {p.kept('Unable to connect to PostgreSQL server')}: "
        f"connection to server failed ({text}) in {p.plugin_file()} on line 41",
        f"Microsoft Azure Storage: {p.kept('AuthenticationFailed')} using '{text}'",
    ])


def pdo_constructor_args(p: Plant) -> str:
    user = p.secret(v.db_user(p.rng))
    secret = p.secret(v.password(p.rng).replace("'", ""))
    host = p.kept(v.hostname(p.rng))
    root = p.pick(["/var/www/html", "/srv/www/shop"])
    call = p.pick([
        f"PDO->__construct('mysql:host={host};dbname=wp;charset=utf8mb4', '{user}', "
        f"'{secret}', Array)",
        f"PDO->__construct('pgsql:host={host};port=5432;dbname=wp;user={user};password={secret}')",
        f"mysqli->real_connect('{host}', '{user}', '{secret}', 'wp_prod', 3306, NULL, 0)",
        f"mysqli_connect('{host}', '{user}', '{secret}', 'wp_prod')",
        f"wpdb->__construct('{user}', '{secret}', 'wp_prod', '{host}')",
    ])
    return "\n".join([
        debug_log_line(p.rng, "Fatal error", f"Uncaught PDOException: SQLSTATE[HY000] [2002] "
                       f"{p.kept('Connection refused')} in {root}/wp-content/db.php:52"),
        "Stack trace:",
        stack_frame(0, f"{root}/wp-content/db.php", 52, call),
        stack_frame(1, f"{root}/wp-settings.php", 124, "require_once('/var/www/...')"),
        "#2 {main}",
        f"  thrown in {root}/wp-content/db.php on line 52",
    ])


def query_string_secrets(p: Plant) -> str:
    target = p.pick(["/wp-json/wc/v3/orders", "/wp-admin/admin-ajax.php", "/api/v1/sync",
                     "/wp-json/jwt-auth/v1/token/validate", "/maps/api/geocode/json"])
    p.kept(target)
    ck, cs = v.woo_consumer_pair(p.rng)
    bucket = p.pick(["wp-media-eu", "shop-uploads"])
    query = p.pick([
        f"consumer_key={p.secret(ck)}&consumer_secret={p.secret(cs)}&per_page=100",
        f"address=Berlin&key={p.secret(v.google_api_key(p.rng))}",
        f"action=sync&access_token={p.secret(v.facebook_token(p.rng))}",
        f"apiKey={p.secret(v.hex_token(p.rng, 32))}&format=json",
        f"api_token={p.secret(v.chars(p.rng, v.ALNUM, 60))}&site=12",
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={p.secret(v.aws_access_key_id(p.rng))}"
        f"%2F20240312%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20240312T102231Z&X-Amz-Expires="
        f"900&X-Amz-Signature={p.secret(v.hex_token(p.rng, 64))}",
        f"sv=2022-11-02&ss=b&srt=co&sp=rwdlacx&se=2025-01-01T00:00:00Z&sig="
        f"{p.secret(v.azure_sas_sig(p.rng))}",
        f"edd_action=check_license&license={p.secret(v.license_key(p.rng))}&item_id=1234",
        f"client_id=web&client_secret={p.secret(v.google_client_secret(p.rng))}&grant_type="
        f"refresh_token&refresh_token={p.secret(v.google_refresh_token(p.rng))}",
        f"auth={p.secret(v.chars(p.rng, v.ALNUM, 40))}&bucket={bucket}",
    ])
    status = p.pick([401, 403, 500])
    return p.pick([
        access_log_line(p, "GET", f"{target}?{query}", status),
        f"{p.kept('cURL error 28')}: Operation timed out after 10001 milliseconds with 0 bytes "
        f"received (request: https://api.example.net{target}?{query})",
        apache_error_line(p, f"PHP Warning:  file_get_contents(https://api.example.net{target}?"
                          f"{query}): {p.kept('Failed to open stream')}: HTTP request failed!"),
    ])


def http_request_headers(p: Plant) -> str:
    token = p.pick([v.chars(p.rng, v.B64URL, 40), v.jwt(p.rng), v.hex_token(p.rng, 64)])
    basic = base64.b64encode(
        f"{v.db_user(p.rng)}:{v.password(p.rng)}".encode()).decode()
    header = p.pick([
        f"Authorization: Bearer {p.secret(token)}", f"Authorization: Basic {p.secret(basic)}",
        f"authorization: Token token={p.secret(v.hex_token(p.rng, 40))}",
        f"X-Api-Key: {p.secret(v.chars(p.rng, v.ALNUM, 40))}",
        f"X-Auth-Token: {p.secret(v.hex_token(p.rng, 48))}",
        f"X-Shopify-Access-Token: {p.secret(v.shopify_token(p.rng))}",
        f"api-key: {p.secret(v.chars(p.rng, v.ALNUM, 32))}",
        f"X-Postmark-Server-Token: {p.secret(v.uuid(p.rng))}",
        f"X-Auth-Key: {p.secret(v.cloudflare_global_key(p.rng))}",
        f"X-Algolia-API-Key: {p.secret(v.algolia_admin_key(p.rng))}",
        f"PRIVATE-TOKEN: {p.secret(v.gitlab_token(p.rng))}",
        f"X-WC-Webhook-Signature: {p.secret(v.chars(p.rng, v.B64, 43) + '=')}",
    ])
    return "\n".join([
        "*   Trying 203.0.113.7:443...", "* Connected to api.example.net port 443",
        "> POST /v3/mail/send HTTP/1.1", "> Host: api.example.net", "> User-Agent: WordPress/6.5",
        f"> {header}", "> Content-Type: application/json", ">",
        f"< HTTP/1.1 {p.kept(p.pick(['401 Unauthorized', '403 Forbidden', '429 Too Many']))}",
        f"< X-Request-Id: {v.uuid(p.rng)}",
    ])


def json_api_payload(p: Plant) -> str:
    body = p.pick([
        {"client_id": f"{p.rng.randrange(10**11)}.apps.googleusercontent.com",
         "client_secret": p.secret(v.google_client_secret(p.rng)),
         "refresh_token": p.secret(v.google_refresh_token(p.rng)), "grant_type": "refresh_token"},
        {"apiKey": p.secret(v.chars(p.rng, v.ALNUM, 32)),
         "secretKey": p.secret(v.chars(p.rng, v.B64, 40)), "region": "eu-central-1"},
        {"access_token": p.secret(v.paypal_token(p.rng)), "token_type": "Bearer",
         "app_id": "APP-80W284485P519543T", "expires_in": 32400},
        {"user": {"login": "shopmanager", "email": p.secret(v.email(p.rng)),
                  "pass": p.secret(v.password(p.rng))}, "remember": True},
        {"type": "service_account", "project_id": "wp-media-123",
         "private_key_id": p.secret(v.hex_token(p.rng, 40)),
         "client_email": p.secret(f"uploader@wp-media-{p.rng.randrange(999)}.iam.gserviceaccount"
                                  f".com")},
    ])
    text = json.dumps(body, separators=p.pick([(",", ":"), (", ", ": ")]))
    if p.rng.random() < 0.4:  # logged as a PHP string: the JSON's quotes escaped
        text = text.replace('"', '\\"')
    return p.pick([
        debug_log_line(p.rng, "Notice", f"{p.kept('Request failed with status 400')}: body "
                       f"{text}"),
        f"[ERROR] {p.kept('invalid_grant')}: Token has been expired or revoked. request={text}",
    ])


def print_r_settings(p: Plant) -> str:
    keys = p.pick([
        [("smtp_host", "smtp.gmail.com"), ("smtp_user", "mailer"),
         ("smtp_pass", p.secret(v.password(p.rng)))],
        [("provider", "sendgrid"), ("sendgrid_api", p.secret(v.sendgrid_key(p.rng)))],
        [("mode", "live"), ("secret_key", p.secret(v.stripe_key(p.rng))),
         ("webhook_secret", p.secret(v.stripe_webhook_secret(p.rng)))],
        [("api_token", p.secret(v.hex_token(p.rng, 40))), ("zone_id", "7d3c9f")],
        [("license_key", p.secret(v.license_key(p.rng))), ("status", "expired")],
        [("AccessKeyId", p.secret(v.aws_access_key_id(p.rng))),
         ("SecretAccessKey", p.secret(v.aws_secret_access_key(p.rng))), ("Bucket", "wp-media")],
    ])
    lines = ["Array", "("] + [f"    [{k}] => {val}" for k, val in keys] + [")"]
    return debug_log_line(p.rng, "Notice", f"{p.kept('Mailer settings on failure')}: ") + \
        "\n" + "\n".join(lines)


def var_dump_options(p: Plant) -> str:
    name, value = p.pick([("password", v.password(p.rng)), ("api_secret", v.hex_token(p.rng, 64)),
                          ("mailchimp_api_key", v.mailchimp_key(p.rng)),
                          ("privateKey", v.chars(p.rng, v.B64, 44)),
                          ("auth_token", v.hex_token(p.rng, 32))])
    p.secret(value)
    return "\n".join([
        f"{p.kept('object(WP_Error)')}#{p.rng.randrange(100, 999)} (2) {{",
        '  ["errors"]=>', '  array(1) {', '    ["http_request_failed"]=>',
        "  }", '  ["data"]=>', "  array(3) {", '    ["endpoint"]=>',
        '    string(24) "https://api.example.net"', f'    ["{name}"]=>',
        f'    string({len(value)}) "{value}"', "  }", "}",
    ])


def serialized_option(p: Plant) -> str:
    pairs = p.pick([
        [("smtp_host", "smtp.office365.com"), ("smtp_pass", p.secret(v.password(p.rng)))],
        [("access-key-id", p.secret(v.aws_access_key_id(p.rng))),
         ("secret-access-key", p.secret(v.aws_secret_access_key(p.rng)))],
        [("api_key", p.secret(v.mailchimp_key(p.rng))), ("list_id", "a1b2c3d4e5")],
        [("client_secret", p.secret(v.chars(p.rng, v.ALNUM, 40))), ("redirect", "/oauth")],
    ])
    body = "".join(f's:{len(k)}:\\"{k}\\";s:{len(val)}:\\"{val}\\";' for k, val in pairs)
    option = p.pick(["wp_mail_smtp", "tantan_wordpress_s3", "mc4wp", "nextend_social_login"])
    return (f"WordPress database error {p.kept('MySQL server has gone away')} for query UPDATE "
            f"`wp_options` SET `option_value` = 'a:{len(pairs)}:{{{body}}}' WHERE `option_name` = "
            f"'{option}' made by do_action('admin_init'), call_user_func_array, update_option")


def environment_dump(p: Plant) -> str:
    pairs = [
        ("WORDPRESS_DB_HOST", "db:3306"),
        (p.pick(["WORDPRESS_DB_PASSWORD", "MYSQL_ROOT_PASSWORD", "DB_PASS", "MARIADB_PASSWORD"]),
         p.secret(v.password(p.rng).replace("'", ""))),
        (p.pick(["AWS_SECRET_ACCESS_KEY", "S3_UPLOADS_SECRET", "SPACES_SECRET"]),
         p.secret(v.aws_secret_access_key(p.rng))),
        (p.pick(["WORDPRESS_AUTH_KEY", "WORDPRESS_NONCE_SALT", "APP_KEY"]),
         p.secret(v.chars(p.rng, v.ALNUM + "!#%^*-_=+", 64))),
        ("PHP_MEMORY_LIMIT", "512M"),
    ]
    p.kept("PHP_MEMORY_LIMIT")
    style = p.rng.randrange(3)
    if style == 0:
        body = "\n".join(f"{k}={val}" for k, val in pairs)
    elif style == 1:
        body = "\n".join(f"{k} => {val}" for k, val in pairs)  # phpinfo() text mode
    else:
        body = "\n".join(f"$_SERVER['{k}'] => {val}" for k, val in pairs)
    return f"{p.kept('docker-entrypoint.sh')}: {p.kept('error: missing WORDPRESS_DB_NAME')}\n{body}"


def wp_config_defines(p: Plant) -> str:
    lines = [f"define( '{name}', '{p.secret(v.salt(p.rng).replace(chr(39), ''))}' );" for name in
             p.rng.sample(["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                           "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"], 3)]
    lines.insert(0, p.pick([
        f"define('DB_PASSWORD', '{p.secret(v.password(p.rng).replace(chr(39), ''))}');",
        f"define( 'WP_REDIS_PASSWORD', '{p.secret(v.chars(p.rng, v.ALNUM, 32))}' );",
        f"define('AS3CF_SETTINGS', serialize(array('provider' => 'aws', 'access-key-id' => '"
        f"{p.secret(v.aws_access_key_id(p.rng))}', 'secret-access-key' => '"
        f"{p.secret(v.aws_secret_access_key(p.rng))}')));",
        f"define( 'SMTP_PASS', \"{p.secret(v.password(p.rng).replace(chr(34), ''))}\" );",
    ]))
    line = p.rng.randrange(30, 90)
    token = p.pick(["define", "require_once"])
    head = p.kept(f"PHP Parse error:  syntax error, unexpected identifier \"{token}\"")
    return f"{head} in /var/www/html/wp-config.php on line {line}\n" + "\n".join(
        f"{line - 3 + i}: {text}" for i, text in enumerate(lines))


MISSING_PARAMETER = 'Parameter "database_host" not found'


def yaml_config(p: Plant) -> str:
    secret = p.secret(v.password(p.rng).replace("'", "").replace("#", ""))
    token = p.secret(v.hex_token(p.rng, 40))
    return "\n".join([
        f"Error: {p.kept(MISSING_PARAMETER)} while loading wp-cli.yml:",
        "services:", "  db:", "    image: mariadb:10.11", "    environment:",
        f"      MYSQL_PASSWORD: '{secret}'", "  wordpress:",
        f"    {p.pick(['api_token', 'deploy_key', 'secret', 'accessToken'])}: {token}",
        f"    ports: [\"{p.kept('8080:80')}\"]",
    ])


def xml_config(p: Plant) -> str:
    akid = v.aws_access_key_id(p.rng)
    return p.pick([
        "\n".join([f"HTTP Error 500.19 - {p.kept('Internal Server Error')}",
                   "Config Source:", "   14: <appSettings>",
                   f"   15:   <add key=\"{p.pick(['ApiKey', 'StripeSecret', 'SmtpPassword'])}\" "
                   f"value=\"{p.secret(v.chars(p.rng, v.ALNUM, 36))}\" />",
                   "   16: </appSettings>"]),
        f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{p.kept('SignatureDoesNotMatch')}"
        f"</Code><AWSAccessKeyId>{p.secret(akid)}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256"
        f"</StringToSign><SignatureProvided>{p.secret(v.hex_token(p.rng, 64))}</SignatureProvided>"
        f"</Error>",
        f"FileZilla: <Server><Host>{p.kept('ftp.hosting.example')}</Host><User>deploy</User>"
        f"<Pass encoding=\"base64\">{p.secret(v.chars(p.rng, v.B64, 24))}</Pass></Server> "
        f"{p.kept('Connection attempt failed')}",
        "<credentials><username>admin</username><password>"
        f"{p.secret(v.password(p.rng).replace('<', ''))}"
        f"</password></credentials> rejected: {p.kept('401 Unauthorized')}",
    ])


KINDS = {
    "url_userinfo_ftp": url_userinfo_ftp,
    "url_userinfo_password_only": url_userinfo_password_only,
    "url_userinfo_token_user": url_userinfo_token_user,
    "dsn_urls": dsn_urls,
    "connection_strings": connection_strings,
    "pdo_constructor_args": pdo_constructor_args,
    "query_string_secrets": query_string_secrets,
    "http_request_headers": http_request_headers,
    "json_api_payload": json_api_payload,
    "print_r_settings": print_r_settings,
    "var_dump_options": var_dump_options,
    "serialized_option": serialized_option,
    "environment_dump": environment_dump,
    "wp_config_defines": wp_config_defines,
    "yaml_config": yaml_config,
    "xml_config": xml_config,
}

