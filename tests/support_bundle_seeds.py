"""Secrets of every kind the support bundle must remove, and the files it reads with every one seeded in.

Shared by the unit tests of redact.py and the integration test of playbooks/support-bundle.yml. Each secret is
unique, so a search of the archive (and the -vvv output) for it finds nothing unless it leaked. SEARCHED is what
the tests search for: every secret, in every spelling it takes in a file (JSON-escaped, base64 of a Basic header,
each half of a value split over a properties continuation line).
"""

import base64
import hashlib
import json

API_USER = "apiuser"
SECRETS = {
    "keystore password": "Ks-Pw!7a9qZ",
    "TLS keystore password": "TlsKs#Pw42x",
    "API basic-auth password": "ApiBasic$Pw81",
    "database password": "DbPw%spring77",
    "database password (continuation line, first half)": "DbPassFirstHalf",
    "database password (continuation line, second half)": "SecondHalfDb88",
    "FIKS passord": "FiksPassord!55",
    "queue password": "Amq-Pw-3141q",
    "token property": "tok_9f8e7d6c5b4a",
    "client secret": "ClientSecret-abc123",
    "PEM private key body": "PemBodyMarkerLine0001xyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "JWT payload": "eyJzdWIiOiJzZWVkZWQtand0LXN1YmplY3QifQ",
    "JWT signature": "SeededJwtSignature123_-abc",
    "Bearer token": "OpaqueBearer-7777abcd",
    "proxy password in an http URL": "ProxyUrlPw-22",
    "proxy password in a socks URL": "SocksPw-33z",
    "password in a JDBC URL": "JdbcUrlPw-44",
    "password in a JDBC query": "JdbcQueryPw-45",
    "Oracle JDBC password": "OraTiger-46",
    "password in a proxy URL without scheme": "BareProxyPw-47",
    "-D proxy password (JAVA_TOOL_OPTIONS)": "SysPropProxyPw-55",
    "Env database password": "EnvDbPw-66x",
    "Env keystore password": "EnvKsPw-77x",
    "JSON-escaped password": 'Js"on\\Pw-88',
    "keystore file contents": "KEYSTORE-BYTES-MARKER-99",
}
S = SECRETS
BASIC = base64.b64encode(("%s:%s" % (API_USER, S["API basic-auth password"])).encode()).decode()
JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.%s.%s" % (S["JWT payload"], S["JWT signature"])
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n%s\n-----END PRIVATE KEY-----"
    % S["PEM private key body"]
)
HTTP_PROXY = "http://proxyuser:%s@proxy.example:3128" % S["proxy password in an http URL"]
SOCKS_PROXY = "socks5://sockuser:%s@socks.example:1080" % S["proxy password in a socks URL"]
JDBC = "jdbc:postgresql://dbuser:%s@db.example:5432/ip?sslmode=require&password=%s" % (
    S["password in a JDBC URL"],
    S["password in a JDBC query"],
)
ORACLE = "jdbc:oracle:thin:scott/%s@db.example:1521:xe" % S["Oracle JDBC password"]
JAVA_TOOL_OPTIONS = (
    "-Xmx2g -Dhttps.proxyHost=proxy.example -Dhttps.proxyUser=bob -Dhttps.proxyPassword=%s"
    % (S["-D proxy password (JAVA_TOOL_OPTIONS)"])
)


def searched():
    """{label: string} every secret and every spelling of it that must not occur in the bundle."""
    out = dict(SECRETS)
    out["Basic header (base64 of user:password)"] = BASIC
    out["JSON-escaped password, escaped"] = json.dumps(S["JSON-escaped password"])[1:-1]
    out["JSON-escaped password, escaped twice"] = json.dumps(json.dumps(S["JSON-escaped password"])[1:-1])[1:-1]
    out["database password, as the JVM reads it"] = (
        S["database password (continuation line, first half)"] + S["database password (continuation line, second half)"]
    )
    for (place, kind), strings in matrix_searched().items():
        for n, text in enumerate(strings):
            out["%s in %s (%d)" % (KINDS[kind], FILES[place], n)] = text
    return out


def local_properties():
    """integrasjonspunkt-local.properties: URLs with credentials, a token, a FIKS passord, a PEM in a property."""
    return "\n".join(
        [
            "# managed by Ansible",
            "server.port=9093",
            "difi.move.org.number=991825827",
            "difi.move.org.keystore.path=file:/opt/integrasjonspunkt/keystore.p12",
            "difi.security.user.name=%s" % API_USER,
            "difi.datasource.url=%s" % JDBC,
            "spring.datasource.url=%s" % ORACLE,
            "difi.move.fiks.ut.passord=%s" % S["FIKS passord"],
            "difi.move.fiks.keystore.passord = %s" % S["FIKS passord"],
            "some.api.token=%s" % S["token property"],
            "difi.move.dpi.client-secret:%s" % S["client secret"],
            "difi.move.proxy.url=%s" % HTTP_PROXY,
            "difi.move.socks=%s" % SOCKS_PROXY,
            "http_proxy=proxyuser:%s@proxy.example:3128" % S["password in a proxy URL without scheme"],
            "difi.move.signing.private-key=%s" % PEM.replace("\n", "\\n\\\n    "),
            "difi.move.escaped.password=%s" % S["JSON-escaped password"].replace("\\", "\\\\"),
            *matrix_properties("local"),
            "",
        ]
    )


def secrets_properties():
    """integrasjonspunkt-secrets.properties, as the role renders it, plus a password on continuation lines."""
    return "\n".join(
        [
            "difi.move.org.keystore.password=%s" % S["keystore password"],
            "difi.ssl.key-store-password=%s" % S["TLS keystore password"],
            "difi.security.user.password=%s" % S["API basic-auth password"],
            "spring.datasource.password=%s" % S["database password"],
            "difi.datasource.password=%s\\" % S["database password (continuation line, first half)"],
            "    %s" % S["database password (continuation line, second half)"],
            "difi.activemq.password=%s" % S["queue password"],
            *matrix_properties("secrets"),
            "",
        ]
    )


def log_text():
    """application.log: every shape of secret an application log may print."""
    escaped = json.dumps({"password": S["JSON-escaped password"], "user": "x"})
    return "\n".join(
        [
            "2026-12-07 00:00:00 INFO starting",
            "2026-12-07 00:00:01 DEBUG request headers: Authorization: Basic %s" % BASIC,
            "2026-12-07 00:00:02 DEBUG Authorization=Bearer %s" % S["Bearer token"],
            "2026-12-07 00:00:03 DEBUG got token %s" % JWT,
            "2026-12-07 00:00:04 INFO proxy %s and %s" % (HTTP_PROXY, SOCKS_PROXY),
            "2026-12-07 00:00:05 INFO datasource %s / %s" % (JDBC, ORACLE),
            "2026-12-07 00:00:06 INFO JVM options %s" % JAVA_TOOL_OPTIONS,
            "2026-12-07 00:00:07 DEBUG body %s" % escaped,
            "2026-12-07 00:00:08 DEBUG nested %s" % json.dumps({"payload": escaped}),
            "2026-12-07 00:00:09 ERROR loaded key",
            PEM,
            "2026-12-07 00:00:10 WARN keystore password was %s, queue %s"
            % (S["keystore password"], S["queue password"]),
            "2026-12-07 00:00:11 DEBUG db pw %s%s"
            % (
                S["database password (continuation line, first half)"],
                S["database password (continuation line, second half)"],
            ),
            "2026-12-07 00:00:12 DEBUG client_secret=%s token: %s" % (S["client secret"], S["token property"]),
            "2026-12-07 00:00:13 DEBUG Proxy-Authorization: Basic %s" % BASIC,
            *("2026-12-07 00:00:14 DEBUG %s" % line for line in matrix_text("log")),
            "",
        ]
    )


def unit_text():
    """The systemd unit: secrets in Environment= lines and -D options of ExecStart."""
    return "\n".join(
        [
            "[Service]",
            "Environment=SPRING_DATASOURCE_PASSWORD=%s" % S["Env database password"],
            'Environment="JAVA_TOOL_OPTIONS=%s"' % JAVA_TOOL_OPTIONS,
            "Environment=HTTPS_PROXY=%s" % HTTP_PROXY,
            "ExecStart=/usr/bin/java -Dhttps.proxyPassword=%s -jar /opt/integrasjonspunkt/integrasjonspunkt.jar"
            % S["-D proxy password (JAVA_TOOL_OPTIONS)"],
            *('Environment="%s"' % entry for entry in matrix_env("unit")),
            "",
        ]
    )


def _show_env(entries):
    """systemctl show's Environment=: entries separated by spaces, an entry with a space in double quotes."""
    return " ".join('"%s"' % e if " " in e else e for e in entries)


def systemctl_show_text():
    return "\n".join(
        [
            "Id=integrasjonspunkt.service",
            "Environment=SPRING_DATASOURCE_PASSWORD=%s DIFI_MOVE_ORG_KEYSTORE_PASSWORD=%s HTTPS_PROXY=%s %s"
            % (S["Env database password"], S["Env keystore password"], HTTP_PROXY, _show_env(matrix_env("show"))),
            "ExecStart={ path=/usr/bin/java ; argv[]=/usr/bin/java -Dhttps.proxyPassword=%s -jar x.jar }"
            % S["-D proxy password (JAVA_TOOL_OPTIONS)"],
            "",
        ]
    )


def blocklist_json():
    return json.dumps(
        {
            "versions": [
                dict(
                    {"version": "4.0.7", "reason": "failed upgrade, proxy %s" % HTTP_PROXY}, **matrix_json("blocklist")
                )
            ],
            "password": S["JSON-escaped password"],
            "auth": {"token": S["Bearer token"], "header": "Authorization: Basic %s" % BASIC},
        }
    )


def history_jsonl():
    return "\n".join(
        [
            json.dumps({"event": "upgrade", "to": "4.0.8", "source": JDBC}),
            json.dumps({"event": "note", "jwt": JWT, "env": ["DB_PASSWORD=%s" % S["Env database password"]]}),
            "not json: Bearer %s" % S["Bearer token"],
            *(json.dumps({"event": "note", key: item}) for key, item in matrix_json("history").items()),
            "",
        ]
    )


def docker_env():
    """The container's Env (Docker mode): docker inspect shows every entry."""
    return [
        "SPRING_DATASOURCE_PASSWORD=%s" % S["Env database password"],
        "DIFI_MOVE_ORG_KEYSTORE_PASSWORD=%s" % S["Env keystore password"],
        "JAVA_TOOL_OPTIONS=%s" % JAVA_TOOL_OPTIONS,
        "HTTPS_PROXY=%s" % HTTP_PROXY,
        "ALL_PROXY=%s" % SOCKS_PROXY,
        "JAVA_VERSION=jdk-21.0.5+11",
        *matrix_env("env"),
    ]


def docker_labels():
    """The container's Config.Labels (Docker mode): docker inspect shows every one."""
    return dict({"proxy": HTTP_PROXY}, **matrix_labels("labels"))


def report_json(host, place):
    """A report of the controller (preflight's or status's shape) with secrets in a message and in details, as a
    broken check might print them."""
    results = [{"id": "status.health", "message": "proxy %s; %s" % (HTTP_PROXY, "; ".join(matrix_text(place)))},
               {"id": "status.version", "details": matrix_json(place)}]  # fmt: skip
    return json.dumps({"statuses": [], "meta": {}, "hosts": {host: {"results": results}}})


def program_output(name, args=()):
    """What the stand-ins for chronyc, java and systemctl print: every kind of secret in each, so their outputs
    are searched too (chronyc's tracking and sources each with their own)."""
    if name == "chronyc":
        place = "tracking" if "tracking" in args else "sources"
        return "Reference ID    : 7F000001 (%s)\nLeap status     : Normal\n%s\n" % (
            HTTP_PROXY,
            "\n".join(matrix_text(place)),
        )
    return {
        "java": 'openjdk version "21.0.5" -Dhttps.proxyPassword=%s\n%s\n'
        % (S["-D proxy password (JAVA_TOOL_OPTIONS)"], "\n".join(matrix_text("java"))),
        "systemctl": systemctl_show_text(),
    }[name]


# ---------------------------------------------------------------------------------------------------------------
# The matrix (issue 22: "seeding every one of those, in every file the bundle reads"): each kind of secret the
# issue names, in each file and command output the bundle reads, with a value unique to that file and kind, so a
# find names both and no file's redaction leans on a value learned from another file. The builders above add these
# lines to what they already seed.

KINDS = {
    "pw": "password (API/keystore)",
    "tok": "token",
    "pem": "private key",
    "ks": "keystore (its base64 contents)",
    "basic": "basic-auth header",
    "jwt": "JWT",
    "proxy": "proxy credentials in a URL",
    "db": "database password",
}
FILES = {
    "local": "integrasjonspunkt-local.properties",
    "secrets": "integrasjonspunkt-secrets.properties",
    "unit": "the systemd unit file",
    "show": "systemctl show output",
    "env": "docker inspect: Config.Env",
    "labels": "docker inspect: Config.Labels",
    "java": "java -version output",
    "tracking": "chronyc tracking output",
    "sources": "chronyc sources output",
    "preflight": "the latest preflight report (controller)",
    "status": "the latest status report (controller)",
    "blocklist": "lifecycle/blocklist.json",
    "history": "lifecycle/history.jsonl",
    "log": "application.log",
}
JWT_HEADER = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"


def value(place, kind):
    """The secret of this kind seeded in this file: unique, and no part of another one."""
    return "Mx%s%sQ%s" % (
        kind.capitalize(),
        place.capitalize(),
        hashlib.sha256((place + kind).encode()).hexdigest()[:6],
    )


def _basic(place):
    return base64.b64encode(("%s:%s" % (API_USER, value(place, "basic"))).encode()).decode()


def _jwt(place):
    payload = base64.urlsafe_b64encode(json.dumps({"sub": value(place, "jwt")}).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (JWT_HEADER, payload, value(place, "jwt") + "Sig_-x")


def _pem(place, newline="\n"):
    body = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASC%s" % value(place, "pem")
    return newline.join(["-----BEGIN PRIVATE KEY-----", body, "-----END PRIVATE KEY-----"])


def _keystore(place):
    """A keystore's base64 (the shape an operator pastes into a variable): 344 characters unique to the file."""
    return base64.b64encode(hashlib.sha256(value(place, "ks").encode()).digest() * 8).decode()


def _proxy(place):
    return "http://proxyuser:%s@proxy.example:3128" % value(place, "proxy")


def matrix_searched():
    """{(file, kind): [strings]}: what must not be in the archive nor the output, for every seeded pair."""
    out = {}
    for place in FILES:
        out[(place, "pw")] = [value(place, "pw")]
        out[(place, "tok")] = [value(place, "tok")]
        out[(place, "pem")] = [value(place, "pem")]
        blob = _keystore(place)
        out[(place, "ks")] = [blob[:24], blob[160:184], blob[-24:]]
        out[(place, "basic")] = [_basic(place)]  # the password is only inside the base64
        out[(place, "jwt")] = [_jwt(place).split(".")[1], _jwt(place).split(".")[2]]
        out[(place, "proxy")] = [value(place, "proxy")]
        out[(place, "db")] = [value(place, "db")]
    return out


def matrix_properties(place):
    """Properties lines: each kind under the key it would have (the PEM on continuation lines)."""
    return [
        "difi.security.user.password=%s" % value(place, "pw"),
        "difi.move.maskinporten.access-token=%s" % value(place, "tok"),
        "difi.move.signing.private-key=%s" % _pem(place, "\\n\\\n    "),
        "difi.move.org.keystore.base64=%s" % _keystore(place),
        "difi.move.http.extra-header=Authorization: Basic %s" % _basic(place),
        "difi.move.dpi.assertion=%s" % _jwt(place),
        "difi.move.proxy.url=%s" % _proxy(place),
        "spring.datasource.password=%s" % value(place, "db"),
    ]


def matrix_text(place):
    """Free-text lines (a log, a program's output): each kind as such text shows it."""
    return [
        "keystore password: %s" % value(place, "pw"),
        "Authorization: Bearer %s" % value(place, "tok"),
        _pem(place),
        "keystore (base64) %s" % _keystore(place),
        "Proxy-Authorization: Basic %s" % _basic(place),
        "assertion %s" % _jwt(place),
        "via %s" % _proxy(place),
        "jdbc:postgresql://db.example:5432/ip?user=ip&password=%s" % value(place, "db"),
    ]


def matrix_env(place):
    """NAME=value entries (docker inspect's Env, a unit's Environment=, systemctl show's Environment=)."""
    return [
        "DIFI_SECURITY_USER_PASSWORD=%s" % value(place, "pw"),
        "MASKINPORTEN_TOKEN=%s" % value(place, "tok"),
        "SIGNING_KEY=%s" % _pem(place, "\\n"),
        "KEYSTORE_BASE64=%s" % _keystore(place),
        "EXTRA_HEADER=Authorization: Basic %s" % _basic(place),
        "DPI_ASSERTION=%s" % _jwt(place),
        "HTTP_PROXY=%s" % _proxy(place),
        "SPRING_DATASOURCE_PASSWORD=%s" % value(place, "db"),
    ]


def matrix_json(place):
    """A JSON object: each kind under a key as a record or report would hold it, some only by shape."""
    return {
        "api_password": value(place, "pw"),
        "token": value(place, "tok"),
        "detail": "key %s" % _pem(place),
        "keystore": _keystore(place),
        "headers": ["Authorization: Basic %s" % _basic(place)],
        "assertion": _jwt(place),
        "proxy": _proxy(place),
        "message": "datasource jdbc:postgresql://ip:%s@db.example:5432/ip" % value(place, "db"),
    }


def matrix_labels(place):
    """docker inspect's Config.Labels: a name and a value, the value carrying each kind."""
    return {
        "org.example.password": value(place, "pw"),
        "org.example.access-token": value(place, "tok"),
        "org.example.signing": _pem(place),
        "org.example.keystore": _keystore(place),
        "org.example.probe": "Authorization: Basic %s" % _basic(place),
        "org.example.assertion": _jwt(place),
        "org.example.proxy": _proxy(place),
        "org.example.db": "jdbc:postgresql://db.example/ip?password=%s" % value(place, "db"),
    }
