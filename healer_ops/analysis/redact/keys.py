"""Which key names hold a secret, and which values after them are not secrets after all.

A key is split into its words (`DB_PASSWORD`, `dbPassword`, `db-password`, `X-Api-Key` and
`SecretAccessKey` all become word lists) and judged by them, so the many spellings providers
and plugins use (api_key, apiKey, x-api-key, access_key_id, client_secret, AUTH_KEY,
SECURE_AUTH_SALT, smtp_pass, user_pass, dbpass, MYSQL_PWD, PHPSESSID, ...) need no list of
their own. A last word that names a property of the secret rather than the secret
(`token_type`, `password_policy`, `session.save_path`, `cookie_name`) makes the key harmless;
"key" only counts when no word says it is a database, cache or array key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from healer_ops.analysis.redact.rule import PLACEHOLDERS

SECRET = "secret"
WEAK = "weak"  # "key", "api": a secret only when the value looks like one
USER = "user"  # a database user name: personal data

# Words that make a key secret wherever they appear in it.
_STRONG = {
    "password", "passwd", "passwort", "passwords", "passphrase", "passcode", "pass", "pwd", "pw",
    "secret", "secrets", "token", "tokens", "apikey", "apitoken", "auth", "authorization", "bearer",
    "cookie", "cookies", "session", "sessid", "sessionid", "phpsessid", "sid", "credential",
    "credentials", "creds", "private", "privatekey", "signature", "sig", "salt", "nonce",
    "wpnonce", "hmac", "jwt", "otp", "totp", "license", "licence", "cvv", "cvc", "cvv2", "csc",
    "iban", "ssn", "passkey", "sas", "xsrf", "csrf", "phone", "telephone", "tel", "mobile",
    "msisdn", "fax", "kennwort", "passe", "contrasena", "contraseña", "senha", "wachtwoord",
    "haslo", "hasło", "parola", "losenord", "lösenord", "salasana", "adgangskode",
}
# "code" is a secret after these words (purchase_code, auth_code), not alone (error code)
_SECRET_CODE_AFTER = {"auth", "authorization", "purchase", "activation", "verification",
                      "access", "otp", "reset", "confirmation", "security", "recovery", "mfa"}
# Personal data under its key: names and postal addresses (WooCommerce orders, forms, CRMs)
_NAME_OWNERS = {"first", "last", "full", "given", "family", "sur", "customer", "billing",
                "shipping", "display", "nick", "contact", "real", "sender", "recipient",
                "holder", "cardholder", "middle", "maiden"}
_NAME_WORDS = {"firstname", "lastname", "fullname", "surname", "nickname", "displayname",
               "givenname", "familyname", "cardholder"}
_ADDRESS_WORDS = {"street", "postcode", "postcodes", "zipcode", "postal"}
_ADDRESS_OWNERS = {"billing", "shipping", "home", "mailing", "postal", "street", "delivery"}
_SESSION_WORD = re.compile(r"sess(?:ion)?id$|session$|sessid$")
_CARD_WORDS = ({"card", "cc", "credit"}, {"number", "num", "no", "code", "cvv", "cvc"})
_WEAK_KEYS = {("key",), ("keys",), ("api",), ("access",), ("k",), ("code",), ("hash",)}
# A single word made of a qualifier and a secret word: dbpass, smtppassword, authkey, ...
_GLUED_SECRET = re.compile(
    r"^(?:db|mysql|mariadb|pg|postgres|redis|smtp|mail|ftp|sftp|ssh|user|admin|root|wp|app|api|"
    r"http|proxy|client|consumer|access|refresh|auth|secret|private|session|sess|csrf|xsrf|oauth|"
    r"license|master|account|shared|signing|encryption|site|bot|webhook|deploy|service|id|"
    r"bearer|key|store|keystore|mongo|amqp|rabbit|ldap|bind|imap|pop|s3|aws|gcp|azure)"
    r"(?:password|passwd|pass|pwd|pw|secret|token|key|apikey|salt|nonce|sig|signature)$")
# "key" words: secret unless another word says what kind of (non-secret) key it is.
_KEY_WORDS = {"key", "keys"}
_NOT_SECRET_KEY_KINDS = {
    "meta", "primary", "foreign", "unique", "cache", "option", "object", "sort", "group",
    "idempotency", "partition", "transient", "index", "lookup", "map", "row", "field", "column",
    "table", "query", "array", "hash", "redis", "memcache", "memcached", "translation", "lang",
    "menu", "nav", "widget", "post", "term", "settings", "setting", "config", "registry",
    "dict", "public", "composite", "sharding", "routing", "bucket",
    "storage", "idx", "cdn", "hotkey", "shortcut", "keyboard", "cron", "event", "hook",
    "block", "attribute", "attr", "param", "parameter", "prop", "property", "element", "item",
    "list", "data", "value", "name", "label", "form", "input", "product", "order", "variation",
}
# Last words that describe the secret instead of holding it.
_NOT_SECRET_LAST = {
    "path", "paths", "file", "files", "dir", "directory", "url", "uri", "endpoint", "host",
    "hostname", "port", "type", "mode", "status", "length", "len", "size", "count", "ttl",
    "lifetime", "timeout", "expires", "expiry", "expiration", "exp", "max", "min", "limit",
    "enabled", "enable", "disabled", "disable", "required", "policy", "strength", "hint",
    "field", "label", "format", "algorithm", "algo", "alg", "version", "name", "names",
    "handler", "save", "probability", "divisor", "changed", "strategy", "method", "provider",
    "source", "location", "store", "driver", "prefix", "level", "encoding", "charset", "table",
    "column", "cache", "limiter", "lock", "locked", "ids", "match", "matched", "mismatch",
    "reset", "error", "errors", "failed", "failure", "invalid", "expired", "valid", "check",
    "verification", "verify", "sent", "header", "headers", "class", "option", "options",
    "attempts", "retries", "at", "on", "by", "time", "date", "created", "updated", "message",
    "msg", "text", "title", "description", "desc", "note", "notes", "help", "link", "page",
    "screen", "tab", "button", "template", "domain", "secure", "httponly", "samesite",
    "request", "generated", "rotation", "rotated", "used", "owner", "age", "number_format",
}
# "id" ends a secret key only after these words (access_key_id, session_id) - not client_id.
_SECRET_ID_AFTER = {"key", "access", "private", "session", "sess", "secret", "auth"}
_DB_WORDS = {"db", "database", "mysql", "mariadb", "pg", "postgres", "postgresql", "sql",
             "mssql", "wordpress", "dbuser", "dbusername"}
_USER_WORDS = {"user", "username", "usr", "login"}
_COOKIE_NAME = re.compile(r"(?:^|_)(?:[0-9a-f]{32})$|^(?:wordpress|wp)_(?:logged_in|sec|"
                          r"woocommerce_session)|^wordpress_[0-9a-f]{32}$", re.I)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def words(key: str) -> tuple[str, ...]:
    """The lower-case words of a key name, digits cut from their ends (pass1 -> pass,
    address_1 -> address)."""
    spaced = _CAMEL.sub("_", key)
    out = []
    for part in _SPLIT.split(spaced.lower()):
        part = part.rstrip("0123456789")
        if part:
            out.append(part)
    return tuple(out)


@lru_cache(maxsize=4096)
def classify_key(key: str) -> str | None:
    """SECRET, WEAK, USER (a database user name) or None for a key name."""
    bare = key.strip("-$@ '\"`[]")
    if _COOKIE_NAME.search(bare):
        return SECRET
    parts = words(bare)
    if not parts:
        return None
    if _is_db_user(parts):
        return USER
    if parts in _WEAK_KEYS or (len(parts) > 1 and parts[-1] == "api"):
        return WEAK
    if _is_personal(parts):
        return SECRET
    last = parts[-1]
    if last in _NOT_SECRET_LAST:
        return None
    if last == "code" and _SECRET_CODE_AFTER & set(parts[:-1]):
        return SECRET
    if last == "id" and len(parts) > 1:
        return SECRET if _SECRET_ID_AFTER & set(parts[:-1]) else None
    for word in parts:
        if word in _STRONG or _GLUED_SECRET.match(word) or _SESSION_WORD.search(word):
            return SECRET
    if last in _KEY_WORDS and not (_NOT_SECRET_KEY_KINDS & set(parts)):
        return SECRET  # "key" last: api_key, AccountKey (key_share, key_file name other things)
    if _CARD_WORDS[0] & set(parts) and _CARD_WORDS[1] & set(parts):
        return SECRET
    return None


def _is_personal(parts: tuple[str, ...]) -> bool:
    words_ = set(parts)
    if parts[-1] == "name" and _NAME_OWNERS & words_ or _NAME_WORDS & words_:
        return True
    if _ADDRESS_WORDS & words_:
        return True
    return parts[-1] in {"address", "city"} and bool(_ADDRESS_OWNERS & words_)


def _is_db_user(parts: tuple[str, ...]) -> bool:
    if parts[-1] in {"dbuser", "dbusername"}:
        return True
    return parts[-1] in _USER_WORDS and bool(_DB_WORDS & set(parts[:-1]))


# Values that follow a secret-sounding key in logs without being a secret.
_NOT_SECRET_VALUES = {
    "yes", "no", "true", "false", "null", "none", "nil", "undefined", "empty", "required",
    "optional", "on", "off", "enabled", "disabled", "is", "for", "was", "incorrect", "must",
    "invalid", "missing", "expired", "not", "set", "unset", "the", "a", "an", "and", "or",
    "to", "of", "in", "with", "by", "from", "field", "mismatch", "error", "failed", "ok",
    "array", "object", "string", "int", "bool", "resource", "hidden", "masked", "redacted",
    "changed", "reset", "protected", "authentication", "verification", "check", "length",
    "okay", "correct", "wrong", "right", "valid", "accepted", "rejected", "denied", "too",
    "please", "will", "has", "have", "been", "be", "cannot", "can't", "could", "should",
    "does", "did", "do", "this", "that", "your", "you", "my", "it", "its", "as", "at",
    # what follows "the password is" in messages that hold no password
    "weak", "strong", "being", "stored", "hashed", "encrypted", "blank", "same", "different",
    "mandatory", "locked", "now", "still", "already", "saved", "updated", "sent", "used",
    "needed", "incomplete", "unknown", "case", "only", "also", "then", "when", "if",
    "generated", "shown", "visible", "supplied", "provided", "given", "entered", "typed",
}
_PLACEHOLDER = re.compile(rf"^(?:\[(?:{PLACEHOLDERS})\]|\*+|x{{3,}}|X{{3,}}|•+|<[\w -]+>|%[sd]|"
                          r"\{\{.*\}\}|\$\{?\w+\}?|\$[a-z_]\w*(?:->\w+|\[[^\]]*\])*|\.{3})$")


_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-+/=.~%:]{8,}")


def looks_random(value: str) -> bool:
    """Letters and digits mixed over 8+ token characters: a key, not a word or a call."""
    bare = value.strip("'\"`\\")
    return (_TOKEN_LIKE.fullmatch(bare) is not None and any(c.isdigit() for c in bare)
            and any(c.isalpha() for c in bare))


def looks_like_password(value: str) -> bool:
    """A word in prose is a password only with digits or symbols (hunter2, Tr0ub4dor&3),
    never a path or a URL."""
    if len(value) < 4 or value.startswith(("/", "http", "~/")):
        return False
    if any(c.isdigit() for c in value) or any(not c.isalnum() and c not in "-_./'\""
                                              for c in value):
        return True
    # random letters (EHcjQHwzrHnXSNgR), not a word in any case (Mismatch, WordPress)
    return len(value) >= 10 and not _WORDS_CASED.fullmatch(value)


_WORDS_CASED = re.compile(r"(?:[A-Z]{2,5}(?=[A-Z][a-z]|$)|[A-Z]?[a-z]{2,})+")
_PASSWORD_WORDS = {"password", "passwd", "passwort", "passwords", "passphrase", "passcode",
                   "pass", "pwd", "pw", "secret", "passkey", "credentials", "credential", "creds",
                   "kennwort", "passe", "contrasena", "contraseña", "senha", "wachtwoord",
                   "haslo", "hasło", "parola", "lösenord"}
_CODE_WORDS = {"cvv", "cvc", "cvv2", "csc", "pin", "otp", "totp", "code"}


def names_a_password(key: str) -> bool:
    parts = words(key.strip("-$ '\"`[]"))
    return any(p in _PASSWORD_WORDS or _GLUED_SECRET.match(p) for p in parts)


_PHONE_WORDS = {"phone", "telephone", "tel", "mobile", "cell", "fax", "msisdn", "whatsapp"}


def names_a_phone(key: str) -> bool:
    return bool(_PHONE_WORDS & set(words(key.strip("-$ '\"`[]"))))


def names_a_code(key: str) -> bool:
    """cvv, pin, otp: a short number is the secret itself."""
    return bool(_CODE_WORDS & set(words(key)))


def is_working_directory(key: str, value: str) -> bool:
    """PWD=/var/www/html: the shell's working directory, not a password."""
    path = value.strip("'\" ")
    return (key.strip("-$ '\"").upper() in {"PWD", "OLDPWD"} and " " not in path
            and re.match(r"(?:/|~/|[A-Za-z]:\\)[\w.\-/\\]*$", path) is not None)


def is_not_a_secret(value: str, digits_are_secret: bool = False) -> bool:
    """A value that is a word of the sentence, a flag, a placeholder or a variable name."""
    bare = value.strip().strip("'\"`\\").strip()
    if not bare:
        return True
    lowered = bare.lower()
    if lowered in _NOT_SECRET_VALUES or _PLACEHOLDER.match(bare):
        return True
    if not any(c.isalnum() for c in bare):
        return True  # punctuation: "token: }", "password: ***"
    return bare.isdigit() and len(bare) < 4 and not digits_are_secret
