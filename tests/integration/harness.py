"""Run a collection module through `ansible` (ad hoc) and return its result as a dict.

This is the one place that knows how integration tests reach a host, and it pins the
interpreter so that broken pyenv shims on PATH never get discovered.
"""

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO, ".build", "collections")


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS
            + os.pathsep
            + os.path.join(os.path.dirname(VENV_BIN), "lib", "python%d.%d" % sys.version_info[:2], "site-packages"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_NOCOLOR": "1",
            "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
        }
    )
    env.update(extra or {})
    return env


# Scratch files of this test process live in one directory, removed when the process exits. Its name says
# which checkout and which process made it, so tests/helpers/check_leftovers.sh finds what a killed run left.
SCRATCH_PREFIX = "eformidling-harness-%s-" % hashlib.sha1(REPO.encode()).hexdigest()[:12]
_scratch = []


def scratch_dir():
    if not _scratch:
        path = os.path.join(tempfile.gettempdir(), "%s%d" % (SCRATCH_PREFIX, os.getpid()))
        os.makedirs(path, mode=0o700, exist_ok=True)
        atexit.register(shutil.rmtree, path, True)
        _scratch.append(path)
    return _scratch[0]


def local_inventory(interpreter=None, host="localhost", hostvars=None):
    """Write a one-host local inventory into this process's scratch directory; return its path."""
    fd, path = tempfile.mkstemp(prefix="inv-", suffix=".json", dir=scratch_dir())
    hv = {"ansible_connection": "local", "ansible_python_interpreter": interpreter or sys.executable}
    hv.update(hostvars or {})
    with os.fdopen(fd, "w") as fh:
        json.dump({"all": {"hosts": {host: hv}}}, fh)
    return path


def run_module(module, args=None, inventory=None, host="localhost", check=False, env=None, prefix=None, timeout=300):
    """Run `module` with `args` (dict) on `host`; return the host's result dict.

    `prefix` is an argv prefix (for example `cgexec`-style wrappers or `ip netns exec NS`)
    placed in front of `ansible`, so the whole run happens inside that context.
    """
    inv = inventory or local_inventory(host=host)
    fqcn = module if "." in module else "eformidling.integrasjonspunkt." + module
    cmd = list(prefix or []) + [
        os.path.join(VENV_BIN, "ansible"),
        host,
        "-i",
        inv,
        "-m",
        fqcn,
    ]
    if args:  # `-a '{}'` reads as raw params, which most modules refuse
        cmd += ["-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    run = dict(env=ansible_env(env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    proc = subprocess.run(cmd, check=False, **run)
    try:
        doc = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            "ansible printed no JSON (rc=%s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr)
        ) from exc
    tasks = doc["plays"][0]["tasks"]
    return tasks[0]["hosts"][host]


# What a callback printed ---------------------------------------------------------------------


def task_output(stdout, task="Show the preflight summary"):
    """The lines the callback printed for a task (default: the preflight summary)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TASK [") and task in line)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("TASK [", "PLAY "))), len(lines))
    return lines[start + 1 : end]


def read_default(block):
    """The default result format: a JSON object indented by 4, the list one JSON string per line."""
    first = next(i for i, line in enumerate(block) if line.strip() == '"msg": [')
    out = []
    for line in block[first + 1 :]:
        if line.strip() in ("]", "],"):
            return out
        out.append(json.loads(line.strip().rstrip(",")))
    raise AssertionError("the list never closed:\n" + "\n".join(block))


def read_yaml(block):
    first = next(i for i, line in enumerate(block) if line.strip() == "msg:")
    body = [line for line in block[first:] if line.strip()]
    return yaml.safe_load(textwrap.dedent("\n".join(body)))["msg"]
