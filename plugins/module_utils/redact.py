# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Remove secrets from text before it leaves the host (the support bundle). Pure functions, Python 3.8+.

Three layers, each on every text whatever file it came from:
  1. by shape: PEM private keys, Authorization headers, JWTs, credentials in URLs (http, https, socks, jdbc),
     -D system properties and key=value pairs whose key names a secret, long base64 blobs (keystores);
  2. by format: .properties files (logical lines, continuation lines included), JSON documents (values under
     secret keys, NAME=value strings such as docker inspect's Env), JSON lines;
  3. by value: every secret value found in any input (the secrets file's passwords, an Env entry's value) is
     scrubbed from every text, also JSON-escaped, URL-encoded and properties-escaped, and in a Basic header.
A text is then checked: when a known secret value still occurs, the whole text is withheld (fail closed).
"""

import base64
import json
import re
from urllib.parse import quote

REDACTED = "<redacted>"
WITHHELD = "<withheld: a secret could not be removed from this text>"
# Shorter values are too common to scrub from free text ("true", a port); their key still hides them.
MIN_SECRET_LEN = 4

# A key names a secret when it holds one of these words, unless its last part says it only points at one.
_SECRET_WORDS = (
    r"password|passwd|passphrase|passord|pwd|secret|token|credentials?|private[-_.]?key|api[-_.]?key"
    r"|access[-_.]?key|auth[-_.]?key|(?<![a-z])pass(?![a-z])"
)
SECRET_KEY_RE = re.compile(r"(?:%s)" % _SECRET_WORDS, re.IGNORECASE)
# keyPass, proxyPass: "Pass" as a camel-case word (bypass and passive are no secrets)
_CAMEL_PASS = re.compile(r"[a-z0-9]Pass(?![a-z])")
_NOT_SECRET_TAIL = re.compile(
    r"(?:[-_.]|^)(?:url|uri|endpoint|path|file|location|type|alias|enabled?|timeout|audience|scope|ttl|expiry|"
    r"expires?|length|size|header|name|user|username|policy|issuer)$",
    re.IGNORECASE,
)
# Values under a secret name that hide nothing (not scrubbed from other texts).
_NOT_SECRET_VALUES = frozenset(("null", "none", "true", "false", "********"))


def is_secret_key(name):
    """True when a property, variable or JSON key names a secret (a password, token, private key ...)."""
    name = str(name)
    if not (SECRET_KEY_RE.search(name) or _CAMEL_PASS.search(name)):
        return False
    return not _NOT_SECRET_TAIL.search(name)


# ------------------------------------------------------------------------------------ layer 1: shapes

_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_AUTH_HEADER = re.compile(
    r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(basic|bearer|digest|negotiate|token)?(\s*)"
    r"[^\s\"',;}]+"
)
_AUTH_SCHEME = re.compile(r"\b(Basic|BASIC|basic|Bearer|BEARER|bearer)(\s+)(?!auth)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\bey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")
# scheme://userinfo@ : the last @ before the path (a password may hold an unencoded @)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@\"'<>]*(?:@[^\s/?#@\"'<>]*)*@")
# jdbc:oracle:thin:user/password@host
_ORACLE = re.compile(r"(?i)(jdbc:oracle:[a-z0-9]+:)[^\s/@\"']+/[^\s@\"']+@")
# http_proxy=user:pass@proxy:3128 (no scheme)
_BARE_PROXY_USERINFO = re.compile(r"(?i)(proxy[A-Za-z0-9_.-]*[\"']?\s*[=:]\s*[\"']?)[^\s\"'@/:]+:[^\s\"'@/]+@")
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:%s)[A-Za-z0-9_.-]*=)[^&;\s\"'#]*" % _SECRET_WORDS)
_SYSPROP = re.compile(r"(-D[A-Za-z0-9_.\-]+=)(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s\"']*)")
# key = value / key: value in free text (logs, unit files, systemctl show, env strings)
_KEY_VALUE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-\[\]]*)(?P<sep>\s*(?::|=)\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s,;&\"'}\]]+)"
)
# "key": "value" in JSON text, also JSON inside a JSON string ({\"password\":\"x\"})
# \"key\": \"  - a JSON pair inside a JSON string, at any depth of escaping (only the key; the value is found after)
_JSON_ESCAPED_KEY = re.compile(r"(?P<q>\\+\")(?P<key>[^\"\\]{1,200})(?P=q)\s*:\s*(?P=q)")
_JSON_PAIR_PLAIN = re.compile(r"(?P<q>\")(?P<key>[^\"\\]{1,200})\"(?P<sep>\s*:\s*)\"(?P<value>(?:[^\"\\]|\\.)*)\"")
_BLOB = re.compile(r"[A-Za-z0-9+/]{200,}={0,2}")


def _sysprop(match):
    key = match.group(1)[2:-1]
    if is_secret_key(key):
        return match.group(1) + REDACTED
    return match.group(1) + _urls(match.group(2))


def _unquoted(value):
    """(quote, inner) of a value in matching quotes, else ("", value)."""
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return value[0], value[1:-1]
    return "", value


def _key_value(match):
    if is_secret_key(match.group("key")):
        return match.group("key") + match.group("sep") + REDACTED
    # The value may itself be a pair: a unit's Environment=NAME=secret or Environment="NAME=secret", the first entry
    # of systemctl show's Environment= line. Judge that inner pair by its own name.
    quote_char, inner = _unquoted(match.group("value"))
    redacted = _KEY_VALUE.sub(_key_value, inner)
    if redacted == inner:
        return match.group(0)
    return match.group("key") + match.group("sep") + quote_char + redacted + quote_char


def _json_pair(match):
    if not is_secret_key(match.group("key")):
        return match.group(0)
    q = match.group("q")
    return q + match.group("key") + q + match.group("sep") + q + REDACTED + q


def _escaped_json_pairs(text):
    """Values of secret keys in JSON nested in JSON strings: each level's value ends at its own quote."""
    out, pos = [], 0
    for match in _JSON_ESCAPED_KEY.finditer(text):
        if match.start() < pos or not is_secret_key(match.group("key")):
            continue
        end = re.compile(r"(?<!\\)" + re.escape(match.group("q"))).search(text, match.end())
        out.append(text[pos : match.end()] + REDACTED)
        pos = end.start() if end else len(text)
    return "".join(out) + text[pos:]


def _urls(text):
    text = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _ORACLE.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _BARE_PROXY_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    return _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)


def redact_shapes(text):
    """Layer 1: every secret recognised by its shape, in any text."""
    text = _PEM.sub(lambda m: "-----%s %s-----" % (REDACTED, m.group(1)), text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + (m.group(2) or "") + (m.group(3) or "") + REDACTED, text)
    text = _AUTH_SCHEME.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    text = _JWT.sub(REDACTED + "(jwt)", text)
    text = _urls(text)
    text = _SYSPROP.sub(_sysprop, text)
    text = _JSON_PAIR_PLAIN.sub(_json_pair, text)
    text = _escaped_json_pairs(text)
    text = _KEY_VALUE.sub(_key_value, text)
    return _BLOB.sub(lambda m: "%s(base64, %d characters)" % (REDACTED, len(m.group(0))), text)


# ------------------------------------------------------------------------------------ layer 2: formats

_PROP_KEY = re.compile(r"^(\s*)((?:[^\s=:\\]|\\.)+)(\s*[=:]\s*|\s+)(.*)$", re.DOTALL)


def _logical_lines(text):
    """A .properties text as groups of physical lines: a line ending in an odd number of backslashes continues."""
    groups, current = [], []
    for line in text.splitlines(True):
        current.append(line)
        body = line.rstrip("\r\n")
        trailing = len(body) - len(body.rstrip("\\"))
        if trailing % 2 == 0 or body.lstrip().startswith(("#", "!")):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def redact_properties(text):
    """A Java .properties text: the whole value of a secret key goes, continuation lines too."""
    out = []
    for group in _logical_lines(text):
        first = group[0]
        stripped = first.lstrip()
        match = _PROP_KEY.match(first.rstrip("\r\n"))
        if stripped.startswith(("#", "!")) or not match:
            out.extend(group)
            continue
        key = match.group(2).replace("\\", "")
        if is_secret_key(key):
            ending = "\n" if group[-1].endswith("\n") else ""
            out.append(match.group(1) + match.group(2) + match.group(3) + REDACTED + ending)
        else:
            out.extend(group)
    return redact_shapes("".join(out))


_ENV_ENTRY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*)=(.*)$", re.DOTALL)


def redact_value(value, key=None):
    """A JSON value: secret keys' values replaced, NAME=value strings judged by NAME, every string by shape."""
    if key is not None and is_secret_key(key) and value not in (None, "", [], {}):
        if isinstance(value, (dict, list)):
            return redact_value(value)
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_value(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        entry = _ENV_ENTRY.match(value)
        if entry and is_secret_key(entry.group(1)):
            return entry.group(1) + "=" + REDACTED
        return redact_shapes(value)
    return value


def redact_json(text):
    """A JSON document, re-serialised with its secrets removed; text that is not JSON is redacted as text."""
    try:
        doc = json.loads(text)
    except ValueError:
        return redact_shapes(text)
    return json.dumps(redact_value(doc), indent=2, sort_keys=True)


def redact_json_lines(text):
    """One JSON document per line (history.jsonl); a line that is not JSON is redacted as text."""
    out = []
    for line in text.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            out.append(redact_shapes(line))
            continue
        out.append(json.dumps(redact_value(doc), sort_keys=True))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


FORMATS = {
    "properties": redact_properties,
    "json": redact_json,
    "jsonl": redact_json_lines,
    "text": redact_shapes,
}


# ------------------------------------------------------------------------------------ layer 3: known values


def _unescape_property(value):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), value)


def secrets_in_properties(text):
    """The values of secret keys in a .properties text (continuation lines joined), as the JVM reads them."""
    found = set()
    for group in _logical_lines(text):
        match = _PROP_KEY.match(group[0].rstrip("\r\n"))
        if not match or group[0].lstrip().startswith(("#", "!")):
            continue
        if not is_secret_key(match.group(2).replace("\\", "")):
            continue
        parts = [match.group(4).rstrip("\r\n")] + [line.lstrip(" \t\f").rstrip("\r\n") for line in group[1:]]
        # every part but the last ends in the continuation backslash
        joined = "".join([p[:-1] for p in parts[:-1]] + parts[-1:])
        found.add(_unescape_property(joined))
    return found


def secrets_in_value(value, key=None, found=None):
    """Secret values in a JSON value: under secret keys, and NAME=value strings with a secret NAME."""
    found = set() if found is None else found
    if key is not None and is_secret_key(key) and isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            secrets_in_value(v, k, found)
    elif isinstance(value, list):
        for v in value:
            secrets_in_value(v, None, found)
    elif isinstance(value, str):
        entry = _ENV_ENTRY.match(value)
        if entry and is_secret_key(entry.group(1)):
            found.add(entry.group(2))
        for match in _SYSPROP.finditer(value):
            if is_secret_key(match.group(1)[2:-1]):
                found.add(match.group(2).strip("\"'"))
    return found


def secrets_in(text, fmt):
    """Every secret value a text of this format holds under a secret name (what layer 3 scrubs elsewhere)."""
    if fmt == "properties":
        found = secrets_in_properties(text)
    elif fmt in ("json", "jsonl"):
        found = set()
        docs = [text] if fmt == "json" else text.splitlines()
        for doc in docs:
            try:
                secrets_in_value(json.loads(doc), None, found)
            except ValueError:
                continue
    else:
        found = set()
    found |= _secrets_by_shape(text)
    return {s for s in found if len(s) >= MIN_SECRET_LEN and REDACTED not in s and s.lower() not in _NOT_SECRET_VALUES}


_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/?#@\"'<>:]*:([^\s/?#\"'<>]*)@")


def _secrets_by_shape(text):
    """Passwords in URLs and -D options, and key=value pairs with a secret key, in any text."""
    found = set(m.group(1) for m in _URL_PASSWORD.finditer(text))
    found |= set(m.group(1).split("/", 1)[-1] for m in re.finditer(r"(?i)jdbc:oracle:[a-z0-9]+:([^\s@\"']+)@", text))
    for match in _SYSPROP.finditer(text):
        if is_secret_key(match.group(1)[2:-1]):
            found.add(match.group(2).strip("\"'"))
    for match in _KEY_VALUE.finditer(text):
        if is_secret_key(match.group("key")):
            found.add(match.group("value").strip("\"'"))
        else:  # Environment=NAME=secret: the inner pair (see _key_value)
            found |= _secrets_by_shape(_unquoted(match.group("value"))[1]) if "=" in match.group("value") else set()
    return found


def _forms(secret):
    """A secret's spellings in other files: as is, JSON-escaped (once, twice), URL-encoded, .properties-escaped."""
    once = json.dumps(secret)[1:-1]
    forms = {secret, once, json.dumps(once)[1:-1], quote(secret, safe=""), secret.replace("\\", "\\\\")}
    return sorted((f for f in forms if len(f) >= MIN_SECRET_LEN), key=len, reverse=True)


def scrub(text, secrets):
    """Layer 3: every known secret value removed, in each of its spellings."""
    for secret in sorted(secrets, key=len, reverse=True):
        for form in _forms(secret):
            text = text.replace(form, REDACTED)
    return text


def basic_tokens(users, secrets):
    """base64(user:password) for every known user and password: a Basic header seen without its name."""
    out = set()
    for user in users:
        for secret in secrets:
            out.add(base64.b64encode(("%s:%s" % (user, secret)).encode("utf-8")).decode("ascii"))
    return out


def leaks(text, secrets):
    """The known secret values (any spelling) that still occur in text: empty when the text is clean."""
    return sorted(s for s in secrets if any(form in text for form in _forms(s)))


def redact(text, fmt="text", secrets=()):
    """One text made safe to leave the host: format rules, shape rules, then the known values scrubbed.

    When a known secret still occurs afterwards, the whole text is withheld (fail closed).
    """
    if fmt not in FORMATS:
        raise ValueError("unknown format %r; allowed: %s" % (fmt, ", ".join(sorted(FORMATS))))
    clean = scrub(FORMATS[fmt](text), secrets)
    return WITHHELD if leaks(clean, secrets) else clean


_USER_KEY = re.compile(r"(?i)(?:^|[-_.])user(?:[-_.]?name)?$")


def users_in_properties(text):
    """The user names a .properties text gives (difi.security.user.name, *.username): for Basic tokens."""
    users = set()
    for line in text.splitlines():
        match = _PROP_KEY.match(line)
        if match and not line.lstrip().startswith(("#", "!")) and _USER_KEY.search(match.group(2)):
            users.add(match.group(4).strip())
    return {u for u in users if u}


def known_secrets(items):
    """Every secret value found under a secret name in any of the texts, and the Basic tokens they make."""
    secrets, users = set(), set()
    for text, fmt in items.values():
        secrets |= secrets_in(text, fmt)
        if fmt == "properties":
            users |= users_in_properties(text)
    return secrets | basic_tokens(users, secrets)


def format_of(name):
    """The format a file name implies (.properties, .json, .jsonl), else text."""
    for suffix, fmt in ((".properties", "properties"), (".jsonl", "jsonl"), (".json", "json")):
        if str(name).endswith(suffix):
            return fmt
    return "text"


def redact_all(items, extra_secrets=()):
    """{name: (text, fmt)} -> {name: redacted text}, every text scrubbed of the secrets found in all of them."""
    secrets = known_secrets(items) | set(extra_secrets)
    return {name: redact(text, fmt, secrets) for name, (text, fmt) in items.items()}
