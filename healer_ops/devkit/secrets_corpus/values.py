"""Random secret values in the formats their providers really issue, and personal data.

Every function takes a `random.Random` and returns one value; lengths, prefixes and alphabets
follow the providers' published formats (and the shapes WordPress plugins and PHP print), not
any redaction rule. Values are random, so a redactor cannot learn them by heart.
"""

from __future__ import annotations

import base64
import json
import random
import string
from urllib.parse import quote

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
# WordPress's secret-key service draws salts from this alphabet (space included).
WP_SALT = ALNUM + "!@#$%^&*()-_ []{}<>~`+=,.;:/?|"
_WORDS = ["maple", "orbit", "copper", "lantern", "harbor", "velvet", "thunder", "pepper",
          "falcon", "meadow", "quartz", "saffron", "cobalt", "willow", "ember", "glacier"]
_FIRST = ["jane", "omar", "li", "sofia", "marek", "aisha", "tom", "ines", "kenji", "olga"]
_LAST = ["doe", "haddad", "wei", "rossi", "novak", "bello", "baker", "moreau", "sato", "ivanova"]
_MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "web.de", "orange.fr", "icloud.com",
                 "protonmail.ch", "mail.ru", "gmx.net", "hotmail.it"]


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def password(rng: random.Random) -> str:
    """Passwords people and generators choose: words with digits, symbols, or random runs."""
    style = rng.randrange(5)
    if style == 0:
        return f"{rng.choice(_WORDS).title()}{rng.randrange(1970, 2030)}{rng.choice('!#$%&*?')}"
    if style == 1:
        return chars(rng, ALNUM + "!#$%^&*()-_=+[]{}:.,?~", rng.randrange(12, 21))
    if style == 2:
        return f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{rng.randrange(99)}"
    if style == 3:
        return chars(rng, ALNUM, rng.randrange(16, 33))
    return f"{rng.choice(_WORDS)[:4].upper()}{chars(rng, string.digits, 4)}@{rng.choice(_WORDS)}"


def url_password(rng: random.Random) -> tuple[str, str]:
    """(the password, as it appears percent-encoded in a URL's user-info)."""
    value = password(rng)
    return value, quote(value, safe="")


def db_user(rng: random.Random) -> str:
    return rng.choice(["wp_", "u", "shop_", "db", "blog"]) + chars(rng, string.ascii_lowercase
                                                                   + string.digits, 7)


def salt(rng: random.Random) -> str:
    return chars(rng, WP_SALT, 64)


def hex_token(rng: random.Random, n: int = 32) -> str:
    return chars(rng, LOWER_HEX, n)


def uuid(rng: random.Random) -> str:
    h = hex_token(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


# --- provider formats ------------------------------------------------------------------

def aws_access_key_id(rng: random.Random) -> str:
    return rng.choice(["AKIA", "ASIA"]) + chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def aws_secret_access_key(rng: random.Random) -> str:
    return chars(rng, B64, 40)


def github_token(rng: random.Random) -> str:
    kind = rng.choice(["ghp_", "gho_", "ghs_", "ghu_", "github_pat_"])
    if kind == "github_pat_":
        return f"github_pat_11{chars(rng, UPPER_DIGITS, 20)}_{chars(rng, ALNUM, 59)}"
    return kind + chars(rng, ALNUM, 36)


def gitlab_token(rng: random.Random) -> str:
    return "glpat-" + chars(rng, B64URL, 20)


def slack_token(rng: random.Random) -> str:
    prefix = rng.choice(["xoxb", "xoxp", "xapp"])
    return (f"{prefix}-{chars(rng, string.digits, 12)}-{chars(rng, string.digits, 13)}-"
            f"{chars(rng, ALNUM, 24)}")


def slack_webhook_path(rng: random.Random) -> str:
    return (f"T{chars(rng, UPPER_DIGITS, 10)}/B{chars(rng, UPPER_DIGITS, 10)}/"
            f"{chars(rng, ALNUM, 24)}")


def stripe_key(rng: random.Random) -> str:
    return f"{rng.choice(['sk', 'rk'])}_live_{chars(rng, ALNUM, 99)}"


def stripe_webhook_secret(rng: random.Random) -> str:
    return "whsec_" + chars(rng, ALNUM, 32)


def twilio_account_sid(rng: random.Random) -> str:
    return "AC" + hex_token(rng, 32)


def twilio_api_key_sid(rng: random.Random) -> str:
    return "SK" + hex_token(rng, 32)


def sendgrid_key(rng: random.Random) -> str:
    return f"SG.{chars(rng, B64URL, 22)}.{chars(rng, B64URL, 43)}"


def mailgun_key(rng: random.Random) -> str:
    return rng.choice([f"key-{hex_token(rng, 32)}", f"{hex_token(rng, 32)}-{hex_token(rng, 8)}-"
                       f"{hex_token(rng, 8)}"])


def mailchimp_key(rng: random.Random) -> str:
    return f"{hex_token(rng, 32)}-us{rng.randrange(1, 21)}"


def google_api_key(rng: random.Random) -> str:
    return "AIza" + chars(rng, B64URL, 35)


def google_oauth_access(rng: random.Random) -> str:
    return "ya29." + chars(rng, B64URL, rng.randrange(120, 180))


def google_refresh_token(rng: random.Random) -> str:
    return "1//0" + chars(rng, B64URL, 99)


def google_client_secret(rng: random.Random) -> str:
    return "GOCSPX-" + chars(rng, B64URL, 28)


def openai_key(rng: random.Random) -> str:
    return rng.choice([f"sk-proj-{chars(rng, B64URL, 156)}", f"sk-{chars(rng, ALNUM, 48)}",
                       f"sk-ant-api03-{chars(rng, B64URL, 95)}AA"])


def jwt(rng: random.Random) -> str:
    header = _b64url_json({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"})
    payload = _b64url_json({"iss": "https://shop.example", "sub": str(rng.randrange(10**6)),
                            "data": {"user": {"id": str(rng.randrange(10**4))}},
                            "iat": rng.randrange(1_700_000_000, 1_750_000_000)})
    return f"{header}.{payload}.{chars(rng, B64URL, 43)}"


def _b64url_json(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def private_key_body(rng: random.Random, lines: int = 6) -> list[str]:
    return ["MII" + chars(rng, B64, 61)] + [chars(rng, B64, 64) for _ in range(lines - 1)]


def openssh_key_body(rng: random.Random) -> list[str]:
    return ["b3BlbnNzaC1rZXktdjEAAAAA" + chars(rng, B64, 46)] + [chars(rng, B64, 70)
                                                               for _ in range(4)]


def azure_account_key(rng: random.Random) -> str:
    return chars(rng, B64, 86) + "=="


def azure_sas_sig(rng: random.Random) -> str:
    return quote(chars(rng, B64, 43) + "=", safe="")


def shopify_token(rng: random.Random) -> str:
    return rng.choice(["shpat_", "shpss_", "shpca_"]) + hex_token(rng, 32)


def square_token(rng: random.Random) -> str:
    return rng.choice(["EAAA", "sq0atp-", "sq0csp-"]) + chars(rng, B64URL, 60)


def paypal_token(rng: random.Random) -> str:
    return f"A21AA{chars(rng, B64URL, 92)}"


def digitalocean_token(rng: random.Random) -> str:
    return "dop_v1_" + hex_token(rng, 64)


def npm_token(rng: random.Random) -> str:
    return "npm_" + chars(rng, ALNUM, 36)


def pypi_token(rng: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmc" + chars(rng, B64URL, 120)


def docker_pat(rng: random.Random) -> str:
    return "dckr_pat_" + chars(rng, B64URL, 27)


def telegram_bot_token(rng: random.Random) -> str:
    return f"{rng.randrange(10**8, 10**10)}:AA{chars(rng, B64URL, 33)}"


def discord_webhook(rng: random.Random) -> tuple[str, str]:
    """(webhook id, webhook token)."""
    return str(rng.randrange(10**17, 10**19)), chars(rng, B64URL, 68)


def facebook_token(rng: random.Random) -> str:
    return "EAAB" + chars(rng, ALNUM, rng.randrange(150, 200))


def woo_consumer_pair(rng: random.Random) -> tuple[str, str]:
    return "ck_" + hex_token(rng, 40), "cs_" + hex_token(rng, 40)


def wp_application_password(rng: random.Random) -> str:
    return " ".join(chars(rng, ALNUM, 4) for _ in range(6))


def phpass_hash(rng: random.Random) -> str:
    return "$P$B" + chars(rng, "./" + ALNUM, 30)


def bcrypt_hash(rng: random.Random) -> str:
    return rng.choice(["$2y$10$", "$wp$2y$10$"]) + chars(rng, "./" + ALNUM, 53)


def apr1_hash(rng: random.Random) -> str:
    return f"$apr1${chars(rng, './' + ALNUM, 8)}${chars(rng, './' + ALNUM, 22)}"


def recaptcha_secret(rng: random.Random) -> str:
    return "6L" + chars(rng, B64URL, 38)


def algolia_admin_key(rng: random.Random) -> str:
    return hex_token(rng, 32)


def cloudflare_global_key(rng: random.Random) -> str:
    return hex_token(rng, 37)


def license_key(rng: random.Random) -> str:
    return rng.choice([hex_token(rng, 32), "-".join(chars(rng, UPPER_DIGITS, 5)
                                                    for _ in range(5)), uuid(rng)])


def session_id(rng: random.Random) -> str:
    return chars(rng, string.ascii_lowercase + string.digits, 26)


def card_number(rng: random.Random) -> str:
    """A Luhn-valid test-range card number (Visa or Mastercard)."""
    digits = [4] if rng.random() < 0.5 else [5, rng.randrange(1, 6)]
    while len(digits) < 15:
        digits.append(rng.randrange(10))
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


# --- personal data -----------------------------------------------------------------------

def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_FIRST), rng.choice(_LAST)


def email(rng: random.Random) -> str:
    first, last = person(rng)
    local = rng.choice([f"{first}.{last}", f"{first}{rng.randrange(100)}", f"{first[0]}{last}",
                        f"{first}+wp{rng.randrange(10)}", f"{last}.{first}_{rng.randrange(9)}"])
    if rng.random() < 0.5:
        return f"{local}@{rng.choice(_MAIL_DOMAINS)}"
    return f"{local}@{rng.choice(['mail', 'staff', 'eu'])}.{chars(rng, 'bcdfghklmnprstvz', 6)}." \
           f"{rng.choice(['com', 'co.uk', 'de', 'io', 'com.au', 'fr'])}"


def phone(rng: random.Random) -> str:
    """Phone numbers in the shapes forms, SMS gateways and CRMs write them."""
    area = rng.choice(["212", "415", "312", "617", "713", "303"])
    sub = f"{rng.randrange(200, 999)}", f"{rng.randrange(1000, 9999)}"
    uk = f"{rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
    de = f"{rng.randrange(1000000, 99999999)}"
    shapes = [f"+1{area}{sub[0]}{sub[1]}", f"({area}) {sub[0]}-{sub[1]}",
              f"+1 {area}-{sub[0]}-{sub[1]}", f"{area}.{sub[0]}.{sub[1]}",
              f"+44 20 {uk}", f"+44 (0)20 {uk}", f"+49 30 {de}", f"0049 30 {de}",
              f"+33 1 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
              f"{rng.randrange(10, 99)}", f"+91 98{rng.randrange(10000000, 99999999)}"]
    return rng.choice(shapes)


def public_ipv4(rng: random.Random) -> str:
    first = rng.choice([23, 45, 62, 77, 81, 94, 103, 138, 151, 185, 193, 212])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def private_ipv4(rng: random.Random) -> str:
    return rng.choice([f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                       f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                       f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"])


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(65536):x}" for _ in range(8)]
    groups[0] = rng.choice(["2a02", "2001", "2600", "2a01", "2406"])
    shape = rng.randrange(3)
    if shape == 0:
        return ":".join(groups)
    if shape == 1:
        return ":".join(groups[:3]) + "::" + ":".join(groups[6:])
    return "::ffff:" + public_ipv4(rng)


def hostname(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}-{rng.choice(['db', 'cache', 'mq', 'sql'])}" \
           f"{rng.randrange(1, 9)}.{rng.choice(['internal', 'prod.local', 'eu-west-1.rds'])}"
