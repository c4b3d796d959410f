"""redact.py: every secret kind, every file kind, and the gaps peers' support tools left open."""

import base64
import json

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import redact
from tests import support_bundle_seeds as seeds

S = seeds.SECRETS
R = redact.REDACTED


def assert_clean(text, *secrets):
    for secret in secrets:
        assert secret not in text, "%r leaked in:\n%s" % (secret, text)


@pytest.mark.parametrize(
    "key",
    [
        "difi.move.org.keystore.password",
        "spring.datasource.password",
        "difi.move.fiks.ut.passord",
        "difi.security.user.password",
        "difi.ssl.key-store-password",
        "SPRING_DATASOURCE_PASSWORD",
        "https.proxyPassword",
        "client_secret",
        "some.api.token",
        "DB_PASS",
        "keyPass",
        "private-key",
        "credentials",
        "pwd",
    ],
)
def test_secret_keys(key):
    assert redact.is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "difi.move.org.keystore.path",
        "difi.move.org.keystore.alias",
        "difi.security.user.name",
        "token-url",
        "bypass",
        "passive",
        "compass.heading",
        "https.proxyUser",
        "password.file",
    ],
)
def test_not_secret_keys(key):
    assert not redact.is_secret_key(key)


def test_properties_every_secret_key_and_its_value_go():
    text = seeds.secrets_properties() + seeds.local_properties()
    out = redact.redact_properties(text)
    assert_clean(out, *seeds.searched().values())
    # what the service desk needs stays
    assert "difi.move.org.keystore.path=file:/opt/integrasjonspunkt/keystore.p12" in out
    assert "difi.security.user.name=apiuser" in out
    assert "difi.move.org.keystore.password=" + R in out


def test_properties_continuation_line_of_a_password():
    text = "a.password=first\\\n    second-half-secret\\\n    third-part\nnext.key=visible\n"
    out = redact.redact_properties(text)
    assert_clean(out, "first", "second-half-secret", "third-part")
    assert "next.key=visible" in out
    assert redact.secrets_in_properties(text) == {"firstsecond-half-secretthird-part"}


def test_properties_even_backslashes_do_not_continue():
    text = "a.password=ends-with-backslash\\\\\nnext.key=visible\n"
    assert redact.secrets_in_properties(text) == {"ends-with-backslash\\"}
    assert "next.key=visible" in redact.redact_properties(text)


@pytest.mark.parametrize(
    "url, secret",
    [
        (seeds.HTTP_PROXY, S["proxy password in an http URL"]),
        (seeds.SOCKS_PROXY, S["proxy password in a socks URL"]),
        (seeds.JDBC, S["password in a JDBC URL"]),
        (seeds.JDBC, S["password in a JDBC query"]),
        (seeds.ORACLE, S["Oracle JDBC password"]),
        ("https://u:p%40ss-Encoded9@h/x", "p%40ss-Encoded9"),
        ("http://u:unencoded@at-Pw1@proxy:3128/", "unencoded@at-Pw1"),
        ("jdbc:sqlserver://db:1433;user=sa;password=MsSqlPw-1;db=x", "MsSqlPw-1"),
    ],
)
def test_credentials_in_urls(url, secret):
    """troubleshoot.sh's gap: proxy credentials inside URLs."""
    out = redact.redact_shapes("proxy is %s now" % url)
    assert_clean(out, secret)
    assert R in out


def test_url_host_and_path_stay():
    assert redact.redact_shapes(seeds.HTTP_PROXY) == "http://%s@proxy.example:3128" % R
    assert redact.redact_shapes("https://eformidling.no/api?x=1") == "https://eformidling.no/api?x=1"


def test_proxy_credentials_without_scheme():
    out = redact.redact_shapes("http_proxy=puser:%s@proxy:3128" % S["password in a proxy URL without scheme"])
    assert_clean(out, S["password in a proxy URL without scheme"])


def test_pem_private_key_multi_line_and_json_escaped_and_truncated():
    assert_clean(redact.redact_shapes("x\n%s\ny" % seeds.PEM), S["PEM private key body"])
    assert_clean(redact.redact_shapes(json.dumps({"k": seeds.PEM})), S["PEM private key body"])
    truncated = seeds.PEM.split("-----END", maxsplit=1)[0]
    assert_clean(redact.redact_shapes("log tail ends inside a key\n" + truncated), S["PEM private key body"])
    for kind in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"):
        text = "-----BEGIN %s-----\nSecretBody42\n-----END %s-----" % (kind, kind)
        assert_clean(redact.redact_shapes(text), "SecretBody42")


def test_certificates_stay():
    cert = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----"
    assert redact.redact_shapes(cert) == cert


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Basic %s" % seeds.BASIC,
        "authorization=Bearer %s" % S["Bearer token"],
        '"Authorization": "Basic %s"' % seeds.BASIC,
        "Proxy-Authorization: Basic %s" % seeds.BASIC,
        "header Basic %s seen" % seeds.BASIC,
        "header Bearer %s seen" % S["Bearer token"],
    ],
)
def test_authorization_headers(line):
    out = redact.redact_shapes(line)
    assert_clean(out, seeds.BASIC, S["Bearer token"])


def test_jwt():
    out = redact.redact_shapes("token %s end" % seeds.JWT)
    assert_clean(out, S["JWT payload"], S["JWT signature"])
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eHh4eHgifQ."
    assert "eyJzdWIi" not in redact.redact_shapes(unsigned)


def test_system_properties():
    out = redact.redact_shapes(seeds.JAVA_TOOL_OPTIONS)
    assert_clean(out, S["-D proxy password (JAVA_TOOL_OPTIONS)"])
    assert "-Dhttps.proxyUser=bob" in out
    quoted = redact.redact_shapes('-Dhttp.proxyPassword="with space Pw-9"')
    assert_clean(quoted, "with space Pw-9", "space")


def test_environment_pairs_of_a_unit_and_of_systemctl_show_alone():
    """Environment=NAME=secret (and quoted, and the first entry of systemctl show's line) was one pair named
    Environment, so the secret stayed unless another file happened to hold the same value (issue 22 audit)."""
    unit = "\n".join(
        [
            "Environment=SPRING_DATASOURCE_PASSWORD=UnitDbPw-1",
            'Environment="DIFI_SECURITY_USER_PASSWORD=UnitApiPw-2"',
            "Environment='MASKINPORTEN_TOKEN=UnitTok-3' TZ=Europe/Oslo",
            "Environment=SPRING_PROFILES_ACTIVE=production",
        ]
    )
    show = "Environment=SPRING_DATASOURCE_PASSWORD=ShowDbPw-4 TZ=Europe/Oslo"
    for text in (unit, show):
        out = redact.redact_all({"unit": (text, "text")})["unit"]
        assert out != redact.WITHHELD
        assert_clean(out, "UnitDbPw-1", "UnitApiPw-2", "UnitTok-3", "ShowDbPw-4")
    out = redact.redact_all({"unit": (unit, "text")})["unit"]
    assert 'Environment="DIFI_SECURITY_USER_PASSWORD=%s"' % R in out
    assert "Environment=SPRING_PROFILES_ACTIVE=production" in out and "TZ=Europe/Oslo" in out
    # the value is known, so it is scrubbed from prose in another file too
    assert redact.redact_all({"unit": (show, "text"), "log": ("it was ShowDbPw-4 then", "text")})["log"] == (
        "it was %s then" % R
    )


def _matrix_texts():
    """{file: (text, fmt)} of every file and output the bundle reads, as seeded (docker inspect holds two)."""
    inspect = json.dumps({"Config": {"Env": seeds.docker_env(), "Labels": seeds.docker_labels()}})
    return {
        "local": (seeds.local_properties(), "properties"),
        "secrets": (seeds.secrets_properties(), "properties"),
        "unit": (seeds.unit_text(), "text"),
        "show": (seeds.systemctl_show_text(), "text"),
        "env": (inspect, "json"),
        "labels": (inspect, "json"),
        "java": (seeds.program_output("java"), "text"),
        "tracking": (seeds.program_output("chronyc", ["-n", "tracking"]), "text"),
        "sources": (seeds.program_output("chronyc", ["-n", "sources", "-v"]), "text"),
        "preflight": (seeds.report_json("h", "preflight"), "json"),
        "status": (seeds.report_json("h", "status"), "json"),
        "blocklist": (seeds.blocklist_json(), "json"),
        "history": (seeds.history_jsonl(), "jsonl"),
        "log": (seeds.log_text(), "text"),
    }


def test_the_seeds_hold_every_kind_in_every_file():
    texts = _matrix_texts()
    assert set(texts) == set(seeds.FILES)
    for (place, kind), strings in seeds.matrix_searched().items():
        for text in strings:
            assert text in texts[place][0] or json.dumps(text)[1:-1] in texts[place][0], (place, kind)


@pytest.mark.parametrize("place", sorted(seeds.FILES))
def test_every_kind_in_each_file_alone_is_removed_by_the_files_own_rules(place):
    """Each file redacted on its own (as the controller redacts a report): no value learned from another file."""
    text, fmt = _matrix_texts()[place]
    out = redact.redact_all({place: (text, fmt)})[place]
    assert out != redact.WITHHELD, place
    for kind in seeds.KINDS:
        assert_clean(out, *seeds.matrix_searched()[(place, kind)])


def test_json_escaped_secret():
    """A password with a quote and a backslash, as JSON writes it, in a log line and in a JSON file."""
    escaped = json.dumps({"password": S["JSON-escaped password"]})
    once = json.dumps(S["JSON-escaped password"])[1:-1]
    forms = [S["JSON-escaped password"], once, json.dumps(once)[1:-1]]
    assert_clean(redact.redact_shapes("body " + escaped), *forms)
    assert_clean(redact.redact_shapes("nested " + json.dumps({"p": escaped})), *forms)
    twice = json.dumps({"a": {"p": json.dumps({"p": escaped})}})
    assert_clean(redact.redact_shapes("nested twice " + twice), *forms)
    assert_clean(redact.redact_json(escaped), *forms)


def test_json_documents_docker_inspect_env():
    doc = {"Config": {"Env": seeds.docker_env(), "Labels": {"x": seeds.HTTP_PROXY}}, "Name": "/integrasjonspunkt"}
    out = redact.redact_json(json.dumps(doc))
    assert_clean(
        out,
        S["Env database password"],
        S["Env keystore password"],
        S["-D proxy password (JAVA_TOOL_OPTIONS)"],
        S["proxy password in an http URL"],
        S["proxy password in a socks URL"],
    )
    parsed = json.loads(out)
    assert "JAVA_VERSION=jdk-21.0.5+11" in parsed["Config"]["Env"]
    assert "SPRING_DATASOURCE_PASSWORD=" + R in parsed["Config"]["Env"]


def test_json_lines_and_text_lines_mixed():
    out = redact.redact_json_lines(seeds.history_jsonl())
    assert_clean(out, S["password in a JDBC URL"], S["JWT signature"], S["Env database password"], S["Bearer token"])


def test_long_base64_blob_goes():
    blob = base64.b64encode(b"K" * 600).decode()
    assert blob not in redact.redact_shapes("difi.move.org.keystore.content=" + blob)


def test_known_values_are_scrubbed_from_every_file():
    """A password the secrets file holds, printed bare in the log, goes too (and its JSON/URL spellings)."""
    items = {
        "secrets": (seeds.secrets_properties(), "properties"),
        "log": ("the keystore password is %s (%s)" % (S["keystore password"], "Ks-Pw%217a9qZ"), "text"),
    }
    out = redact.redact_all(items)
    assert_clean(out["log"], S["keystore password"], "Ks-Pw%217a9qZ")


def test_basic_token_of_known_user_and_password_goes_without_its_header_name():
    items = {
        "props": (seeds.local_properties() + seeds.secrets_properties(), "properties"),
        "log": ("credentials %s" % seeds.BASIC, "text"),
    }
    assert_clean(redact.redact_all(items)["log"], seeds.BASIC)


def test_a_text_where_a_known_secret_survives_is_withheld():
    assert redact.redact("nothing here but Zebra-Secret-1", "text", {"Zebra-Secret-1"}) != redact.WITHHELD
    # scrub() removes it; a secret that scrub could not remove (forced here) withholds the whole text
    assert redact.leaks("x Zebra-Secret-1", {"Zebra-Secret-1"}) == ["Zebra-Secret-1"]
    original = redact.scrub
    try:
        redact.scrub = lambda text, secrets: text
        assert redact.redact("x Zebra-Secret-1", "text", {"Zebra-Secret-1"}) == redact.WITHHELD
    finally:
        redact.scrub = original


def test_every_seeded_file_together():
    items = {
        "application.log": (seeds.log_text(), "text"),
        "local.properties": (seeds.local_properties(), "properties"),
        "secrets.properties": (seeds.secrets_properties(), "properties"),
        "unit": (seeds.unit_text(), "text"),
        "show": (seeds.systemctl_show_text(), "text"),
        "blocklist.json": (seeds.blocklist_json(), "json"),
        "history.jsonl": (seeds.history_jsonl(), "jsonl"),
        "inspect.json": (json.dumps({"Config": {"Env": seeds.docker_env()}}), "json"),
    }
    out = redact.redact_all(items)
    for name, text in out.items():
        assert text != redact.WITHHELD, name
        assert_clean(text, *seeds.searched().values())


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        redact.redact("x", "yaml")


def test_redacted_json_stays_json_when_redacted_again_as_text():
    """The controller redacts every file once more: a -D option inside a JSON string must keep its quote."""
    doc = json.dumps({"Config": {"Env": seeds.docker_env()}}, indent=2)
    once = redact.redact_json(doc)
    assert json.loads(redact.redact_shapes(once)) == json.loads(once)
    assert redact.format_of("docker/inspect.json") == "json"
    assert redact.format_of("lifecycle/history.jsonl") == "jsonl"
    assert redact.format_of("properties/a.properties") == "properties"
    assert redact.format_of("application.log") == "text"
