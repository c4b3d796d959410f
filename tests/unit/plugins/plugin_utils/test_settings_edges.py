"""The settings parsers at their edges: the values they return and the refusal an operator reads (variable, value
and what is allowed), written for the mutants the earlier tests let live."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import settings as s

DB = "integrasjonspunkt_database_url"
BROKER = "integrasjonspunkt_queue_broker_url"
DB_ALLOWED = (
    "jdbc:postgresql://, jdbc:sqlserver://, jdbc:oracle:thin:@, jdbc:mariadb://, jdbc:mysql:// or"
    " jdbc:h2:tcp:// with a host"
)
PROXY_ALLOWED = "an http proxy URL such as http://proxy.example.no:3128 (no user or password: the JVM takes none)"


def refusal(func, *args):
    with pytest.raises(s.SettingsError) as caught:
        func(*args)
    return str(caught.value), caught.value.problems


@pytest.mark.parametrize("word", ["false", "No", "OFF", "0", "", " off "])
def test_every_false_word_is_false_in_any_case(word):
    assert s._bool("v", word) is False


@pytest.mark.parametrize("word", ["true", "Yes", "ON", "1"])
def test_every_true_word_is_true_in_any_case(word):
    assert s._bool("v", word) is True


def test_a_whole_number_takes_both_bounds_and_names_the_variable_and_value_when_refused():
    assert s._int("n", "5", 1, 5) == 5 and s._int("n", 1, 1, 5) == 1
    assert refusal(s._int, "n", "x", 1, 5)[0] == "n='x' is not allowed: a whole number from 1 to 5"
    assert refusal(s._int, "n", 6, 1, 5)[0] == "n=6 is not allowed: a whole number from 1 to 5"


def test_a_host_is_an_ip_or_a_dns_name_without_its_trailing_dot():
    assert s._host("h", "[2001:db8::1]") == "2001:db8::1"
    assert s._host("h", " 10.0.0.1 ") == "10.0.0.1"
    assert s._host("h", "ntp.example.no.") == "ntp.example.no"
    _message, problems = refusal(s._host, "h", "bad host")
    assert problems[0]["variable"] == "h" and problems[0]["value"] == "bad host"
    assert problems[0]["allowed"].startswith("a DNS name or an IP address (")


def test_a_proxy_without_a_scheme_is_http_and_an_ipv6_host_keeps_its_brackets():
    assert s.parse_proxy("p", "proxy.example.no:3128") == {
        "url": "http://proxy.example.no:3128",
        "scheme": "http",
        "host": "proxy.example.no",
        "port": 3128,
    }
    assert s.parse_proxy("p", "https://[2001:db8::1]")["url"] == "https://[2001:db8::1]:443"
    assert s.parse_proxy("p", "http://10.0.0.1")["url"] == "http://10.0.0.1:80"


def test_a_refused_proxy_names_the_variable_and_never_shows_credentials():
    assert refusal(s.parse_proxy, "p", "ftp://u:pw@proxy")[0] == "p='<redacted>' is not allowed: " + PROXY_ALLOWED
    assert refusal(s.parse_proxy, "p", "http://u:pw@proxy:3128")[0] == "p='<redacted>' is not allowed: " + PROXY_ALLOWED
    assert refusal(s.parse_proxy, "p", "ftp://proxy")[0] == "p='ftp://proxy' is not allowed: " + PROXY_ALLOWED
    assert refusal(s.parse_proxy, "p", "http://proxy:99999")[1][0]["variable"] == "p"


def test_empty_no_proxy_items_are_skipped_not_the_end_of_the_list():
    assert s.no_proxy_list("np", "a.example.no,, ,.b.example.no") == ["a.example.no", ".b.example.no"]
    message, problems = refusal(s.no_proxy_list, "np", "a b")
    assert problems[0]["variable"] == "np" and "comma-separated" in message


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("jdbc:oracle:thin:@db.example.no/ORCL", ("db.example.no", 1521, "oracle")),
        ("jdbc:oracle:thin:@db.example.no:x/ORCL", ("db.example.no", 1521, "oracle")),
        ("jdbc:oracle:thin:@//db.example.no:1600/ORCL", ("db.example.no", 1600, "oracle")),
        ("jdbc:postgresql://[2001:db8::5]:5433/ip", ("2001:db8::5", 5433, "postgresql")),
        ("jdbc:sqlserver://sql.example.no;databaseName=ip", ("sql.example.no", 1433, "sqlserver")),
        ("jdbc:h2:tcp://h2.example.no/ip", ("h2.example.no", 9092, "h2")),
    ],
)
def test_database_endpoints(url, endpoint):
    assert s.database_endpoint(url) == endpoint


@pytest.mark.parametrize(
    "url",
    ["jdbc:db2://h/x", "jdbc:oracle:thin:db", "jdbc:oracle:thin:@(DESCRIPTION=(PORT=1))", "jdbc:postgresql:ip"],
)
def test_a_refused_database_url_names_the_variable_the_url_and_the_accepted_forms(url):
    message, problems = refusal(s.database_endpoint, url)
    assert message == "%s=%r is not allowed: %s" % (DB, url, DB_ALLOWED)
    assert problems[0]["value"] == url


def test_an_unreadable_host_in_a_database_url_names_the_variable():
    message, problems = refusal(s.database_endpoint, "jdbc:postgresql://h o/x")
    assert message == "%s='jdbc:postgresql://h o/x' is not allowed: a URL whose host (and port) can be read" % DB
    assert problems[0]["variable"] == DB


def test_broker_endpoints_default_to_61616_and_a_refusal_shows_the_accepted_forms():
    assert s.broker_endpoints("failover:(tcp://a,ssl://b:61617)") == [("a", 61616, "tcp"), ("b", 61617, "ssl")]
    message, problems = refusal(s.broker_endpoints, "amqp://q")
    assert message == (
        "%s='amqp://q' is not allowed: tcp://host:61616, ssl://host:61617 or failover:(tcp://a:61616,tcp://b:61616)"
        % BROKER
    )
    assert problems[0]["variable"] == BROKER


def test_external_endpoints_are_catalogue_entries_probed_like_the_rest():
    entries = s.external_endpoints(
        {
            "environment": "test",
            "external_database": True,
            "database_url": "jdbc:postgresql://db:5432/ip",
            "external_queue": True,
            "queue_broker_url": "tcp://mq:61616",
        }
    )
    common = {
        "ips": [],
        "environments": ["test"],
        "services": ["all"],
        "versions": None,
        "phase": "runtime",
        "severity": "fail",
        "protocol": "tcp",
        "use_proxy": False,
    }
    assert entries == [
        dict(common, name="database", host="db", port=5432, purpose="external postgresql database (%s)" % DB,
             source=DB),
        dict(common, name="queue", host="mq", port=61616, purpose="external ActiveMQ broker, tcp (%s)" % BROKER,
             source=BROKER),
    ]  # fmt: skip


def test_a_bad_boolean_says_true_or_false():
    assert refusal(s._bool, "b", "maybe")[0] == "b='maybe' is not allowed: a boolean (true or false)"


@pytest.mark.parametrize("value", ["var/lib/ip", "~/ip", "/var/lib/$IP"])
def test_a_directory_must_be_an_absolute_real_path(value):
    message, problems = refusal(s._directory, "d", value)
    assert message.startswith("d=%r is not allowed: an absolute path such as /var/lib/integrasjonspunkt" % value)
    assert problems[0]["value"] == value


def test_a_directory_is_normalised_and_the_root_stays_the_root():
    assert s._directory("d", " /var/lib//ip/ ") == "/var/lib/ip"
    assert s._directory("d", "/") == "/"


@pytest.mark.parametrize("value", [7, "a|b", "a b"])
def test_a_bad_no_proxy_names_the_forms_allowed(value):
    message, problems = refusal(s.no_proxy_list, "np", value)
    assert "host names, domain suffixes (.example.no), IPs or CIDRs, comma-separated" in message
    assert problems[0]["value"] == value


def test_normalise_lists_every_refused_value_separated_by_semicolons():
    with pytest.raises(s.SettingsError) as caught:
        s.normalise({"integrasjonspunkt_port": "x", "integrasjonspunkt_environment": "staging"})
    assert "; " in str(caught.value) and len(caught.value.problems) == 2
    assert str(caught.value) == "; ".join(s.problem_text(p) for p in caught.value.problems)


def test_public_settings_keep_values_and_redact_only_the_urls_credentials():
    shown = s.public({"port": 9093, "database_url": "jdbc:sqlserver://db;user=sa;password=pw", "api_password": "x"})
    assert shown == {"port": 9093, "database_url": "jdbc:sqlserver://db;user=<redacted>;password=<redacted>"}
