"""The install role's refusal when basic auth (on by default) has no user or password, at -vvv.

Runs the role's tasks/validate.yml through ansible-playbook on localhost: its first task, the settings
validation (integrasjonspunkt_settings), names the variables, says what they got (the password only as
empty or more than one line, its value hidden) and the way out (integrasjonspunkt_auth_enabled: false), and
the password never appears in the -vvv output: it is read from the host's variables, never a task argument.
"""

import os
import subprocess
import sys

import pytest
import yaml

from tests.integration import harness

PASSWORD = "Canary-Auth-7q!pw:x"  # characters a shell would need quoted
WAY_OUT = "integrasjonspunkt_auth_enabled: false to run the API without authentication (preflight then warns)"
TASK = "Validate | every integrasjonspunkt_* setting (the rules preflight judges with)"
AUTH_ON = "with integrasjonspunkt_auth_enabled=true (the default)"


def run_validate(tmp_path, overrides):
    play_vars = {
        "integrasjonspunkt_org_number": "910076787",
        "integrasjonspunkt_keystore_src": str(tmp_path / "absent.p12"),
        "integrasjonspunkt_keystore_password": "not-used-here",
        "integrasjonspunkt_auth_user": "ops",
    }
    # The password reaches the play through a vars file, as a vault would give it: never through argv.
    (tmp_path / "secret.yml").write_text(
        yaml.safe_dump(dict({"integrasjonspunkt_auth_password": PASSWORD}, **overrides))
    )
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "vars": play_vars,
        "vars_files": [str(tmp_path / "secret.yml")],
        "tasks": [
            {
                "name": "the install role's validation",
                "ansible.builtin.include_role": {
                    "name": "eformidling.integrasjonspunkt.integrasjonspunkt",
                    "tasks_from": "validate",
                },
            }
        ],
    }
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    env = harness.ansible_env({"ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_NOCOLOR": "1"})
    inventory = tmp_path / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": host}}}))
    argv = [os.path.join(harness.VENV_BIN, "ansible-playbook"), "-i", str(inventory), str(path), "-vvv"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)


def flat(text):
    return " ".join(text.replace("''", "'").split())


@pytest.mark.parametrize(
    ("overrides", "got"),
    [
        ({"integrasjonspunkt_auth_password": ""}, "integrasjonspunkt_auth_password (value hidden) is not allowed"),
        ({"integrasjonspunkt_auth_password": PASSWORD + "\nsecond line"}, "(it is more than one line)"),
        # flat() reads YAML's '' as ', so the empty value shows as one quote
        ({"integrasjonspunkt_auth_user": ""}, "integrasjonspunkt_auth_user=' is not allowed"),
        ({"integrasjonspunkt_auth_user": "ops:admin"}, "integrasjonspunkt_auth_user='ops:admin' is not allowed"),
    ],
)
def test_auth_on_without_user_or_password_is_refused_before_any_change(tmp_path, overrides, got):
    run = run_validate(tmp_path, overrides)
    out = flat(run.stdout)
    assert run.returncode == 2, run.stdout + run.stderr
    assert TASK in out and AUTH_ON in out
    assert got in out and WAY_OUT in out, out
    assert "task path:" in run.stdout  # -vvv really printed the task details
    assert PASSWORD not in run.stdout + run.stderr
    # it stopped at the settings: the Java plan and the keystore (judged later) were never looked at
    assert "Validate | keystore contents" not in out and "Validate | the plan for Java" not in out


def test_auth_off_is_an_explicit_choice_that_passes_this_check(tmp_path):
    run = run_validate(tmp_path, {"integrasjonspunkt_auth_enabled": False, "integrasjonspunkt_auth_password": ""})
    out = flat(run.stdout)
    assert TASK in out and AUTH_ON not in out
    # every other refusal is still listed (no signing key given here): auth off was accepted
    assert "integrasjonspunkt_signing_key='' is not allowed" in out, out
    assert "integrasjonspunkt_auth" not in out.rsplit("are refused", maxsplit=1)[-1]
