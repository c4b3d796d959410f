"""Secrets of every kind the support bundle must remove, and the files it reads with every one seeded in.

Shared by the unit tests of redact.py and the integration test of playbooks/support-bundle.yml. Each secret is
unique, so a search of the archive (and the -vvv output) for it finds nothing unless it leaked. SEARCHED is what
the tests search for: every secret, in every spelling it takes in a file (JSON-escaped, base64 of a Basic header,
each half of a value split over a properties continuation line).
"""

import base64
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
            "",
        ]
    )


def systemctl_show_text():
    return "\n".join(
        [
            "Id=integrasjonspunkt.service",
            "Environment=SPRING_DATASOURCE_PASSWORD=%s DIFI_MOVE_ORG_KEYSTORE_PASSWORD=%s HTTPS_PROXY=%s"
            % (S["Env database password"], S["Env keystore password"], HTTP_PROXY),
            "ExecStart={ path=/usr/bin/java ; argv[]=/usr/bin/java -Dhttps.proxyPassword=%s -jar x.jar }"
            % S["-D proxy password (JAVA_TOOL_OPTIONS)"],
            "",
        ]
    )


def blocklist_json():
    return json.dumps(
        {
            "versions": [{"version": "4.0.7", "reason": "failed upgrade, proxy %s" % HTTP_PROXY}],
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
    ]


def program_output(name):
    """What the stand-ins for chronyc and java print: a secret in each, so their outputs are searched too."""
    return {
        "chronyc": "Reference ID    : 7F000001 (%s)\nLeap status     : Normal\n" % HTTP_PROXY,
        "java": 'openjdk version "21.0.5" -Dhttps.proxyPassword=%s\n' % S["-D proxy password (JAVA_TOOL_OPTIONS)"],
        "systemctl": systemctl_show_text(),
    }[name]
