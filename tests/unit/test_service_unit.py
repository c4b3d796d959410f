"""The install role's systemd unit refuses to start without the secrets file (issue 18).

The passwords reach the JVM only through integrasjonspunkt-secrets.properties. Loaded as `optional:`, a missing
file let the integrasjonspunkt start without them; the unit must refuse instead.
"""

import configparser
import os
import shlex

import jinja2

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(REPO, "roles", "integrasjonspunkt", "templates", "integrasjonspunkt.service.j2")
SECRETS = "/opt/integrasjonspunkt/integrasjonspunkt-secrets.properties"
VALUES = {
    "integrasjonspunkt_user": "integrasjonspunkt",
    "integrasjonspunkt_group": "integrasjonspunkt",
    "integrasjonspunkt_install_dir": "/opt/integrasjonspunkt",
    "integrasjonspunkt_data_dir": "/var/lib/integrasjonspunkt",
    "integrasjonspunkt_log_dir": "/var/log/integrasjonspunkt",
    "integrasjonspunkt_tmp_dir": "/var/tmp/integrasjonspunkt",
    "integrasjonspunkt_jvm_extra_opts": ["-Dfoo=bar"],
    "__integrasjonspunkt_current_link": "/opt/integrasjonspunkt/integrasjonspunkt.jar",
    "__integrasjonspunkt_release_dir": "/opt/integrasjonspunkt/releases",
    "__integrasjonspunkt_secrets_path": SECRETS,
    "__integrasjonspunkt_spring_profile": "production",
    "__integrasjonspunkt_java": "/usr/bin/java",
    "__integrasjonspunkt_heap_mb": 2048,
    "__integrasjonspunkt_jvm_plan_opts": ["-Dhttps.proxyHost=proxy.example"],
}


def render():
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    with open(TEMPLATE) as fh:
        return env.from_string(fh.read()).render(**VALUES)


def unit():
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(render())
    return parser


def test_the_jvm_loads_the_secrets_file_as_a_required_location():
    exec_start = unit()["Service"]["ExecStart"].replace("\\\n", " ")
    locations = [
        a.split("=", 1)[1] for a in shlex.split(exec_start) if a.startswith("-Dspring.config.additional-location=")
    ]
    assert locations == ["file:" + SECRETS], exec_start
    assert "optional:" not in render()


def test_the_unit_refuses_to_start_when_the_secrets_file_is_missing_or_empty():
    assert unit()["Unit"]["AssertFileNotEmpty"] == SECRETS
    # No "-" prefix (systemd's "ignore when missing") on any file the unit reads.
    for line in render().splitlines():
        key, _sep, value = line.partition("=")
        if key in ("EnvironmentFile", "AssertFileNotEmpty", "AssertPathExists"):
            assert not value.startswith("-"), line
