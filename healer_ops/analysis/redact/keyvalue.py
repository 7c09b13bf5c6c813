"""Values named by their key, in every syntax logs write pairs in.

`key=value`, `key: value`, `key => value`, `--key=value`, `"key": "value"`, `\\"key\\":\\"value\\"`,
`'key' => 'value'`, `[key] => value` (print_r), `["key"]=> string(n) "value"` (var_dump),
`KEY => value` (phpinfo), `$_SERVER['KEY'] => value`, `env[KEY] = value`, `KEY    value`
(environment tables), `SetEnv KEY value` and `fastcgi_param KEY value;`, `define('KEY', 'v')`
and any call whose first argument names a secret, then free text: "password X",
"passwd: X", "the password for bob is X", "with password 'X'", and command lines
(`--password X`, `mysql -pX`, `curl -u user:X`, `sshpass -p X`, ...).

Whether a key names a secret is `keys.classify_key`'s decision; the patterns only find pairs.
"""

from __future__ import annotations

import re

from healer_ops.analysis.redact.keys import (
    USER,
    WEAK,
    classify_key,
    is_not_a_secret,
    is_working_directory,
    looks_like_password,
    looks_random,
    names_a_code,
    names_a_password,
    names_a_phone,
)
from healer_ops.analysis.redact.rule import (
    REDACTED,
    Rule,
    is_placeholder,
    replace_groups,
    requote,
)

DB_USER = "[DB_USER]"

_QUOTED = (r"\\\"(?:[^\"\\\n]|\\[^\"\n]){0,4000}?\\\"|\"(?:[^\"\\\n]|\\.){0,4000}\""
           r"|'(?:[^'\\\n]|\\.){0,4000}'|`[^`\n]{0,4000}`")
# An unquoted value: up to a space, a quote, a closing bracket; "&", ";" and "," only end it
# when another pair or a space follows (passwords contain them too).
# Closing brackets belong to the value too (passwords hold them); the bracket a pair was
# written inside, "(password=x)" or "<MYSQL_PWD=x>", is taken off afterwards.
_BARE = (r"(?:[^\s'\"\\&;,]|&(?![\w\-\[\]%.]{1,40}=)|;(?![\s\w\-]{1,40}=|\s|$)"
         r"|,(?!\s|$|[\"']?[\w\-]{1,40}[\"']?\s*[=:])){1,2000}")
_OBJECT = re.compile(r"\{\s*(?:\\?[\"'][^\"'\n]{0,80}\\?[\"']|[A-Za-z_]\w{0,40})\s*(?::|=>)")
_CLOSING = {"(": ")", "[": "]", "{": "}", "<": ">"}
_OPENING = {close: open_ for open_, close in _CLOSING.items()}
_VALUE = rf"(?P<value>{_QUOTED}|\{{[^{{}}\n'\":]{{1,200}}\}}|\[[^\[\]\n]{{0,2000}}\]|{_BARE})"

# A key and its separator; the value is then read only after a key that names a secret, and
# is not consumed: a pair inside another pair's value ("msg: password=x") is still found.
KEY_SEPARATOR = re.compile(
    r"(?<![\w.\-\\])(?P<key>-{0,2}[A-Za-z_][\w.\-]{0,60}(?:\[[\w.\-'\"]{0,40}\]){0,3})"
    r"(?P<close>\\?[\"'`])?(?P<bracket>[ \t]*\])?"
    r"(?P<sep>[ \t]{0,8}(?:=>[ \t]{0,8}(?:\r?\n[ \t]{0,40})?(?:string\(\d+\)[ \t])?"
    r"|(?::=|=|:(?!:))(?!//)[ \t]{0,8}))")  # not Class::method
VALUE = re.compile(_VALUE)


def _pairs(text: str) -> tuple[str, int]:
    edits: list[tuple[int, int, str]] = []
    for match in KEY_SEPARATOR.finditer(text):
        key = match.group("key")
        if classify_key(key) is None:
            continue
        found = VALUE.match(text, match.end())
        if not found:
            continue
        value, end = found.group("value"), found.end()
        complete = value[0] in "'\"`\\" or (value[0] == "{" and value.endswith("}"))
        if not complete and (_starts_line(text, match.start()) or names_a_password(key)):
            in_query = match.start() > 0 and text[match.start() - 1] in "?&;"
            to_space = names_a_password(key) and not in_query
            value = (_TO_SPACE if to_space else _PASSWORD_VALUE).match(text, found.start()).group(0)
        if value[0] not in "'\"`\\[{":
            opener = text[match.start() - 1] if match.start() and not match.group("bracket") \
                else ""
            value = unbracketed(value, _CLOSING.get(opener))
        end = found.start() + len(value)
        if not value:
            continue
        sep = match.group("sep")
        prose = sep.strip() == ":" and not match.group("close") and sep.endswith((" ", "\t"))
        verdict = judge(key, value, prose)
        if verdict is None:
            continue
        if value.startswith("[") and re.search(r"['\"]", value):
            new = re.sub(_QUOTED, lambda m, v=verdict: requote(m.group(0), v), value)
        else:
            new = requote(value, verdict)
        edits.append((found.start(), end, new))
    return apply_edits(text, edits)


# A password, or a KEY=value line, runs to the next space: commas are part of it.
_TO_SPACE = re.compile(r"[^\s'\"\\]{1,2000}")
_PASSWORD_VALUE = re.compile(r"(?:[^\s'\"\\&;]|&(?![\w\-\[\]%.]{1,40}=)|;(?![\s\w\-]{1,40}=|\s|$)"
                             r"){1,2000}")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:-[ \t]+|export[ \t]+|set[ \t]+)?$")


def _starts_line(text: str, at: int) -> bool:
    """The pair begins its line (an environment or .env line, a YAML list item)."""
    return _LINE_START.search(text, max(0, at - 40), at) is not None


def unbracketed(value: str, closer: str | None = None) -> str:
    """A bare value without the bracket its pair was written in, without closing brackets
    it never opened, and without the sentence's final punctuation."""
    if closer and closer in value:
        value = value[: value.rindex(closer)]
    while value:
        last = value[-1]
        if last in ".,;:" or (last in _OPENING and value.count(last) > value.count(
                _OPENING[last])):
            value = value[:-1]
        else:
            return value
    return value


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, int]:
    """The text with each (start, end, new) span replaced; a span that starts inside an
    earlier one is merged into it."""
    out, last, count = [], 0, 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], -e[1])):
        if start < last:
            last = max(last, end)  # reaches past the previous value: that goes too
            continue
        out.append(text[last:start] + new)
        last, count = end, count + 1
    return "".join(out) + text[last:], count


def judge(key: str, value: str, prose: bool = False) -> str | None:
    """The placeholder for `value` under `key`, or None when it stays. `prose`: the pair
    reads like a sentence ("license: cURL error 28"), so only a password word or a value
    that looks like a secret counts."""
    kind = classify_key(key)
    if kind is None or is_not_a_secret(value, digits_are_secret=names_a_code(key)):
        return None
    if prose and value[:1] not in "'\"`\\" and not (
            names_a_password(key) or looks_random(value)
            or (names_a_phone(key) and sum(c.isdigit() for c in value) >= 6)):
        return None
    bare = value.strip("'\"`\\")
    if is_placeholder(value):
        return None
    if _OBJECT.match(value):
        return None  # an object: its own pairs are judged one by one
    if kind == WEAK and not looks_random(bare):
        return None
    if is_working_directory(key, bare):
        return None
    return DB_USER if kind == USER else REDACTED


# print_r / phpinfo: the value is the rest of the line (salts and app passwords hold spaces).
_PRINT_R = re.compile(r"^(?P<lead>[ \t]*)\[(?P<key>[^\]\n]{1,80})\][ \t]*=>[ \t]*"
                      r"(?P<value>(?!Array[ \t]*$|Object\b|stdClass\b|\[)[^\n]*?)[ \t]*$", re.M)
_PHPINFO = re.compile(r"^(?P<key>[A-Za-z_$][\w.\-\[\]'\"$]{1,80})[ \t]+=>[ \t]+"
                      r"(?P<value>[^\n]*?)[ \t]*$", re.M)
# A table of environment variables: KEY, two or more spaces (or a tab), the value.
_ALIGNED = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]{2,60})(?:[ ]{2,}|\t+)(?P<value>\S[^\n]*?)[ \t]*$",
                      re.M)
# Server configuration: SetEnv KEY value, fastcgi_param KEY "value";, PassEnv, export KEY value
_DIRECTIVE = re.compile(
    r"\b(?:SetEnv|SetEnvIf\w*|fastcgi_param|uwsgi_param|scgi_param|proxy_set_header|"
    r"add_header|RequestHeader|Header\s+set|php_value|php_admin_value|setenv)[ \t]+"
    r"(?P<key>[A-Za-z_][\w.\-]{0,60})[ \t]+(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s;]+)")
# define('KEY', 'value'), ini_set('k', 'v'), update_option('k', 'v'): a named secret argument
_CALL_PAIR = re.compile(
    r"\b\w+\(\s*(?P<q>\\?['\"])(?P<key>[\w.\-]{1,80})(?P=q)\s*,\s*(?P<value>" + _QUOTED + ")")
# PHP serialize(): s:8:"password";s:12:"the value..."; (quotes escaped when logged inside SQL)
_SERIALIZED = re.compile(r"s:\d{1,4}:(?P<q>\\?\")(?P<key>[^\"\\\n]{1,80})(?P=q);"
                         r"s:(?P<length>\d{1,5}):(?P=q)")
# XML: <password>x</password>, <Pass encoding="base64">x</Pass>, <add key="ApiKey" value="x"/>
_XML_ELEMENT = re.compile(r"<(?P<key>[A-Za-z][\w.\-:]{0,60})(?:\s[^<>\n]{0,200})?>"
                          r"(?P<value>[^<>\n]{1,2000})</(?P=key)>")
_XML_ATTRIBUTE = re.compile(
    r"\b(?:key|name|id)\s*=\s*(?P<q>[\"'])(?P<key>[^\"'\n]{1,80})(?P=q)\s+value\s*=\s*"
    r"(?P<q2>[\"'])(?P<value>[^\"'\n]*)(?P=q2)", re.I)


def _whole_value(match: re.Match[str]) -> str:
    verdict = judge(match.group("key"), match.group("value"))
    if verdict is None:
        return match.group(0)
    return replace_groups(match, {"value": requote(match.group("value"), verdict)})


def _serialized(text: str) -> tuple[str, int]:
    out, last, count = [], 0, 0
    for match in _SERIALIZED.finditer(text):
        if classify_key(match.group("key")) is None:
            continue
        start = match.end()
        end = start + int(match.group("length"))
        quote = match.group("q")
        if text[end:end + len(quote)] != quote:  # lengths count bytes: find the closing quote
            closing = text.find(quote + ";", start)
            if closing < 0:
                continue
            end = closing
        if start < last or is_not_a_secret(text[start:end]):
            continue
        out.append(text[last:start] + REDACTED)
        last, count = end, count + 1
    return "".join(out) + text[last:], count


# Free text: a secret word, an optional "for <who>", a separator or "is", then the value.
_FREE = re.compile(
    r"(?<![\w\-])(?P<before>(?:unexpected|expecting|expected|the|a)\s+)?"
    r"(?P<word>passwords?|passwd|passphrase|passcode|pwd|pass|secret|token|api[ _-]?key|"
    r"licen[cs]e(?:[ _-]key)?|purchase[ _-]code|cvv2?|cvc|auth[ _-]?code|key|bearer|ssn|"
    r"passwort|kennwort|mot de passe|contrase[nñ]a|senha|wachtwoord|has[lł]o|parola)(?![\w\-])"
    r"(?P<gap>\s+(?:for|of)\s+\S{1,40}?\s*(?:\bis\b|:|=)\s*|\s*(?:\bis\b\s*:?|\bwas\b|:|=)\s*"
    r"|\s+)(?P<value>" + _QUOTED + r"|[^\s'\"<>]+)", re.I)
_STRIP_END = ".,;:!?)]}"
_IDENTIFIER = re.compile(r"[a-z_]+|[A-Z_]+|[a-z]+(?:[A-Z][a-z]+)+")  # "password_confirm"
_OPTION = re.compile(r"-{1,2}[A-Za-z][\w-]*(?:=|$)")  # "Pass --path=...": an option, not a value
# A licence or API key written after the word "key": dash-grouped or mixed letters and digits
_SERIAL = re.compile(r"(?=(?:[^0-9]*[0-9]){2})(?=(?:[^A-Za-z]*[A-Za-z]){2})"
                     r"(?:[A-Za-z0-9]{4,}(?:-[A-Za-z0-9]{4,}){2,}|[A-Za-z0-9+/=]{12,})")


def _free_text(match: re.Match[str]) -> str:
    if (match.group("before") or "").lower().strip() in {"unexpected", "expecting", "expected"}:
        return match.group(0)
    value = match.group("value")
    if is_placeholder(value):
        return match.group(0)
    bare = value.rstrip(_STRIP_END) if value[0] not in "'\"`\\" else value
    tail = value[len(bare):]
    separator = match.group("gap").strip().lower()
    if match.group("word").lower() == "key" and not _SERIAL.fullmatch(bare.strip("'\"`")):
        return match.group(0)  # "for key 'PRIMARY'": only a serial-like value is a key here
    digits = names_a_code(match.group("word"))
    if (is_not_a_secret(bare, digits_are_secret=digits) or is_placeholder(bare)
            or _OPTION.match(bare) or is_working_directory(match.group("word"), bare)
            or (_IDENTIFIER.fullmatch(bare) and classify_key(bare) is not None)):
        return match.group(0)
    password_word = names_a_password(match.group("word"))
    strong = separator.endswith("=") or (digits and bare.isdigit()) or (
        password_word and (separator.endswith(":") or separator in {"is", "was"}))
    if not strong and value[0] not in "'\"`\\" and not looks_like_password(bare):
        return match.group(0)
    return replace_groups(match, {"value": requote(bare) + tail})


# Command lines.
_CLI = [
    # mysql -pSecret, mysqldump -p'Secret' (the password glued to -p)
    re.compile(r"(?P<head>\b(?:mysql|mysqldump|mysqladmin|mysqlcheck|mysqlimport|mysqlshow|"
               r"mariadb|mariadb-dump)\b[^\n]{0,300}?\s-p)(?P<value>'[^'\n]*'|\"[^\"\n]*\"|"
               r"[^\s'\"]+)"),
    # --password Secret, --db-pass 'Secret' (a long option, then the value after a space)
    re.compile(r"(?P<head>(?<![\w-])--(?:[A-Za-z0-9]+[-_])*(?:password|passwd|pass|pwd|secret|"
               r"token|api-?key|auth-?key|key)\s+)(?P<value>'[^'\n]*'|\"[^\"\n]*\"|(?![-/~.])"
               r"[^\s'\"]+)", re.I),
    # curl -u user:Secret, --user "user:Secret", --proxy-user user:Secret
    re.compile(r"(?P<head>(?<![\w-])(?:-u|-U|--user|--proxy-user|--basic-auth)(?:\s+|=)"
               r"(?P<q>['\"])[^\s'\":]{1,64}:)(?P<value>[^'\"\n]+)(?P=q)"),
    re.compile(r"(?P<head>(?<![\w-])(?:-u|-U|--user|--proxy-user|--basic-auth)(?:\s+|=)"
               r"[^\s'\":]{1,64}:)(?P<value>[^\s'\"]+)"),
    # sshpass -p X, docker login -p X, redis-cli -a X, keytool -storepass X, openssl -k X
    re.compile(r"(?P<head>\b(?:sshpass|(?:docker|podman|buildah|nerdctl)\s+login|redis-cli|"
               r"mongo|mongosh|mongodump|mongorestore|keytool|openssl|zip|7z|unzip)\b[^\n]{0,200}?"
               r"\s-(?:p|a|k|P|storepass|keypass|password)\s+)(?P<value>'[^'\n]*'|\"[^\"\n]*\"|"
               r"[^\s'\"]+)"),
    # lftp -u user,Secret
    re.compile(r"(?P<head>\blftp\b[^\n]{0,200}?\s-u\s+['\"]?[^\s,'\"]{1,64},)"
               r"(?P<value>[^\s'\"]+)"),
    # htpasswd -b file user Secret
    re.compile(r"(?P<head>\bhtpasswd\s+(?:-\w+\s+)*-\w*b\w*\s+(?:-\w+\s+)*\S+\s+\S+\s+)"
               r"(?P<value>\S+)"),
]


def _cli(match: re.Match[str]) -> str:
    value = match.group("value")
    if is_not_a_secret(value) or is_placeholder(value):
        return match.group(0)
    return replace_groups(match, {"value": requote(value)})


RULES = [
    Rule("print_r", _PRINT_R, _whole_value, needs="=>"),
    Rule("phpinfo", _PHPINFO, _whole_value, needs="=>"),
    Rule("call_pair", _CALL_PAIR, _whole_value),
    Rule("serialized", function=_serialized, needs="s:"),
    Rule("xml", _XML_ELEMENT, _whole_value, needs="</"),
    Rule("xml", _XML_ATTRIBUTE, _whole_value, needs="value"),
    Rule("directive", _DIRECTIVE, _whole_value),
    *[Rule("command_line", pattern, _cli) for pattern in _CLI],
    Rule("key_value", function=_pairs),
    Rule("env_table", _ALIGNED, _whole_value),
    Rule("free_text", _FREE, _free_text),
]
