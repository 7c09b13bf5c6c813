"""Personal data and session material: database user names, e-mail addresses, phone numbers,
IP addresses, cookies and sessions, card data, WordPress application passwords."""

from __future__ import annotations

import base64
from urllib.parse import quote

from healer_ops.devkit.secrets_corpus import values as v
from healer_ops.devkit.secrets_corpus.shapes import (
    Plant,
    access_log_line,
    apache_error_line,
    debug_log_line,
    nginx_error_line,
)


def mysql_db_users(p: Plant) -> str:
    user = p.secret(v.db_user(p.rng))
    host = p.pick(["localhost", "%", p.secret(v.private_ipv4(p.rng)), p.secret(v.hostname(p.rng))])
    q = p.pick(["'", "`"])
    who = f"{q}{user}{q}@{q}{host}{q}"
    return p.pick([
        debug_log_line(p.rng, "Warning", f"mysqli_real_connect(): (HY000/1045): "
                       f"{p.kept('Access denied for user')} {who} (using password: YES) in "
                       f"/var/www/html/wp-includes/class-wpdb.php on line 1982"),
        f"WordPress database error {p.kept('INSERT command denied to user')} {who} for table "
        f"`wp_options` for query INSERT INTO wp_options ...",
        f"SQLSTATE[42000] [1044] {p.kept('Access denied for user')} {who} to database 'wp_shop'",
        f"WordPress database error {p.kept('User')} {q}{user}{q} "
        f"{p.kept('has exceeded the')} 'max_user_connections' resource (current value: 30)",
        f"WordPress database error {p.kept('The user specified as a definer')} ({who}) does not "
        f"exist for query SELECT * FROM wp_wc_order_stats_view",
    ])


def contact_data(p: Plant) -> str:
    mail = p.secret(v.email(p.rng))
    phone = p.secret(v.phone(p.rng))
    encoded = p.secret(quote(mail, safe=""))
    return p.pick([
        f"WooCommerce: {p.kept('Payment failed for order')} #{p.rng.randrange(1000, 99999)} "
        f"(billing email {mail}, phone {phone})",
        f"Contact Form 7: {p.kept('Failed to send your message')}. From: \"{mail}\" <{mail}> "
        f"Tel: {phone}",
        f"Twilio SMS to {phone} failed: {p.kept('21211 Invalid To Phone Number')}",
        access_log_line(p, "GET", f"/?na=s&ne={encoded}&nr=widget", 500)
        + f"\n{p.kept('Newsletter: subscription failed')}",
        f"Gravity Forms: {p.kept('Notification not sent')}: mailto:{mail}?subject=Order "
        f"(customer phone: {phone})",
    ])


def phone_numbers(p: Plant) -> str:
    numbers = [p.secret(v.phone(p.rng)) for _ in range(2)]
    return p.pick([
        f"SMS Alert: {p.kept('Message delivery failed')} to {numbers[0]}; fallback {numbers[1]}",
        f"[WooCommerce] Order note: {p.kept('Customer could not be reached')} at {numbers[0]} "
        f"or {numbers[1]}",
        debug_log_line(p.rng, "Notice", f"{p.kept('Undefined index: billing_phone')} in "
                       f"{p.plugin_file('woocommerce')} on line 212 (values: {numbers[0]}, "
                       f"{numbers[1]})"),
    ])


UNDEFINED_KEY = 'Undefined array key "HTTP_X_REAL_IP"'


def ip_addresses(p: Plant) -> str:
    addresses = [p.secret(v.public_ipv4(p.rng)), p.secret(v.ipv6(p.rng)),
                 p.secret(v.private_ipv4(p.rng))]
    return p.pick([
        nginx_error_line(p, f"PHP Warning:  {p.kept(UNDEFINED_KEY)}")
        + f"\nX-Forwarded-For: {addresses[0]}, {addresses[1]}, {addresses[2]}",
        f"Wordfence: {p.kept('Blocked for brute force login')} from {addresses[0]} (via "
        f"[{addresses[1]}]:443, proxy {addresses[2]})",
        f"fail2ban.actions [{p.rng.randrange(100, 999)}]: NOTICE [wordpress] Ban {addresses[0]}\n"
        f"{p.kept('upstream timed out')} (110: Connection timed out) while connecting to "
        f"upstream, client: {addresses[1]}, upstream: \"http://{addresses[2]}:9000\"",
        apache_error_line(p, "PHP Fatal error:  "
                          + p.kept("Maximum execution time of 30 seconds exceeded")
                          + f" (REMOTE_ADDR={addresses[0]}, SERVER_ADDR={addresses[2]})"),
    ])


def cookies_sessions(p: Plant) -> str:
    site_hash = v.hex_token(p.rng, 32)
    who = p.pick(["admin", "jane", "editor"])
    logged_in = p.secret(f"{who}%7C{p.rng.randrange(1_700_000_000, 1_800_000_000)}%7C"
                         f"{v.chars(p.rng, v.ALNUM, 43)}%7C{v.hex_token(p.rng, 64)}")
    session = p.secret(v.session_id(p.rng))
    woo = p.secret(f"{p.rng.randrange(1, 9999)}%7C%7C"
                   f"{p.rng.randrange(1_700_000_000, 1_800_000_000)}"
                   f"%7C%7C{p.rng.randrange(1_700_000_000, 1_800_000_000)}%7C%7C"
                   f"{v.hex_token(p.rng, 32)}")
    cookie = p.pick([f"wordpress_logged_in_{site_hash}={logged_in}",
                     f"PHPSESSID={session}", f"wp_woocommerce_session_{site_hash}={woo}",
                     f"laravel_session={session}", f"wordpress_sec_{site_hash}={logged_in}"])
    return p.pick([
        f"> GET /wp-admin/ HTTP/1.1\n> Cookie: wp-settings-time-1=1710238951; {cookie}\n"
        f"< HTTP/1.1 {p.kept('302 Found')}",
        f"< HTTP/1.1 {p.kept('500 Internal Server Error')}\n< Set-Cookie: {cookie}; path=/; "
        f"secure; HttpOnly",
        f"Varnish: {p.kept('bypassing cache')} because of cookie '{cookie}'",
        f"PHP Warning:  {p.kept('session_start(): Failed to read session data')}: files (path: "
        f"/var/lib/php/sessions) for {cookie}",
    ])


def payment_data(p: Plant) -> str:
    card = p.secret(v.card_number(p.rng))
    cvv = p.secret(str(p.rng.randrange(100, 999)))
    spaced = " ".join(card[i:i + 4] for i in range(0, 16, 4))
    return p.pick([
        f"Authorize.Net debug: {p.kept('This transaction has been declined')}. request: "
        f"{{\"cardNumber\":\"{card}\",\"expirationDate\":\"2027-08\",\"cardCode\":\"{cvv}\"}}",
        f"PayTrace: {p.kept('Invalid credit card number')} cc_number={card}&cvv={cvv}&exp=0827",
        f"{p.kept('Gateway error')}: card {p.secret(spaced)} (cvv {cvv}) rejected by issuer",
    ])


def application_passwords(p: Plant) -> str:
    user = p.pick(["admin", "api-bot", "zapier"])
    app_password = p.secret(v.wp_application_password(p.rng))
    basic = p.secret(base64.b64encode(f"{user}:{app_password}".encode()).decode())
    return p.pick([
        f"$ curl --user \"{user}:{app_password}\" https://shop.example/wp-json/wp/v2/posts\n"
        f"{{\"code\":\"{p.kept('incorrect_password')}\",\"message\":\"The provided password is "
        f"an invalid application password.\"}}",
        f"REST request: Authorization: Basic {basic} -> {p.kept('401 rest_not_logged_in')}",
        f"Zapier: {p.kept('Authentication failed')} (application password '{app_password}' for "
        f"user {user} was revoked)",
    ])


KINDS = {
    "mysql_db_users": mysql_db_users,
    "contact_data": contact_data,
    "phone_numbers": phone_numbers,
    "ip_addresses": ip_addresses,
    "cookies_sessions": cookies_sessions,
    "payment_data": payment_data,
    "application_passwords": application_passwords,
}
