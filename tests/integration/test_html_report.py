"""preflight.html rendered in a real headless Chromium (Debian package `chromium`).

Chromium runs with every request sent to a recording proxy on loopback that refuses them all, so nothing leaves the
machine, and the test sees each request the page (or Chromium itself) tried. The page's script must have run:
`--dump-dom` prints the DOM after it, and the filters are driven through the URL hash the script honours.
"""

import json
import re
import shutil
import socket
import struct
import subprocess
import threading
from html.parser import HTMLParser

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight_report as action
from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import report
from tests.integration import harness

# Chromium's own background services (time, updates, accounts); anything else came from the page.
CHROMIUM_OWN = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "googleusercontent.com")
EVIL_TITLE = "pwned-by-report"


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    if not path:
        pytest.fail("chromium is not installed: apt-get install -y chromium (make system-deps)")
    return path


class RecordingProxy:
    """Accepts every connection on 127.0.0.1, records its request line, answers 403 and closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn = self.sock.accept()[0]
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(8192).split(b"\r\n", 1)[0].decode("latin-1"))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError as exc:
                    self.requests.append("<%s>" % exc)

    def page_requests(self):
        """The requests that did not come from Chromium's own services."""
        out = []
        for line in self.requests:
            parts = line.split()
            target = parts[1] if len(parts) > 1 else line
            host = target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
            if not any(host == d or host.endswith("." + d) for d in CHROMIUM_OWN):
                out.append(line)
        return out

    def close(self):
        self.sock.close()


@pytest.fixture
def proxy():
    p = RecordingProxy()
    yield p
    p.close()


def browse(chromium, proxy, tmp_path, url, *extra):
    profile = tmp_path / ("profile-%d" % len(list(tmp_path.glob("profile-*"))))
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--user-data-dir=%s" % profile,
        # every request, loopback included, goes to the recorder, which refuses it
        "--proxy-server=http://127.0.0.1:%d" % proxy.port,
        "--proxy-bypass-list=<-loopback>",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--virtual-time-budget=3000",
        *extra,
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Dom(HTMLParser):
    """Elements with their attributes, their ancestors' hidden state and the text inside each."""

    VOID = frozenset({"meta", "input", "br", "img", "link", "hr", "wbr", "source", "col", "area", "base", "embed"})

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self._stack = []
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        parent_hidden = bool(self._stack) and self._stack[-1]["shown"] is False
        el = {"tag": tag, "attrs": a, "shown": not parent_hidden and "hidden" not in a, "hidden": "hidden" in a}
        el["text"] = []
        self.elements.append(el)
        self._in_title = tag == "title"
        if tag not in self.VOID:
            self._stack.append(el)

    def handle_endtag(self, tag):
        self._in_title = False
        while self._stack:
            el = self._stack.pop()
            if el["tag"] == tag:
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        for el in self._stack:
            el["text"].append(data)

    def find(self, tag=None, **attrs):
        def matches(el):
            if tag and el["tag"] != tag:
                return False
            return all(el["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())

        return [el for el in self.elements if matches(el)]

    @staticmethod
    def text(el):
        return " ".join("".join(el["text"]).split())


def result(cid, status, measured=None, required=None, message=None, fix=None, doc_url="https://docs.digdir.no/x"):
    return {
        "id": cid,
        "title": "title of " + cid,
        "category": cid.split(".")[0],
        "severity": "fail",
        "status": status,
        "measured": measured,
        "required": required,
        "unit": None,
        "message": message or "message of " + cid,
        "fix": fix or "fix " + cid,
        "doc_url": doc_url,
        "ignored": None,
    }


def records(proxy_port):
    evil = "<script>document.title='%s'</script><img src=\"http://127.0.0.1:%d/evil.png\">" % (EVIL_TITLE, proxy_port)
    settings = {"environment": "production", "services": ["DPO"], "version": "4.0.8", "proxy_password": "hunter2-x"}
    return {
        "alpha": {
            "results": [
                result("resources.cpu", "pass", 4, 2),
                result("resources.memory", "fail", "1024 MiB", "2048 MiB", fix="Give alpha 2048 MiB"),
                result("time.offset", "error", message=evil),
                result("time.timezone", "info", "Europe/Oslo"),
            ],
            "settings": settings,
        },
        "beta": {
            "results": [
                result("resources.cpu", "pass", 4, 2),
                result("resources.memory", "pass", "4096 MiB", "2048 MiB"),
                result("time.offset", "warn", "0.2 s", "<= 0.1 s"),
                result(
                    "connectivity.dpo",
                    "unknown",
                    message="not probed",
                    doc_url="http://127.0.0.1:%d/docs" % proxy_port,
                ),
            ],
            "settings": settings,
        },
        "gamma": {"failed": True, "msg": "preflight: bad input"},
    }


@pytest.fixture
def page(tmp_path, proxy):
    per_host = records(proxy.port)
    rows = report.host_rows(per_host)
    files = action.write_reports(str(tmp_path), ["html"], per_host, {"generated_at": "2026-12-01T20:00Z"}, rows)
    return "file://" + files[0]


def rows_shown(dom):
    return {tr["attrs"]["data-check"]: tr["shown"] for tr in dom.find("tr") if "data-check" in tr["attrs"]}


def test_matrix_cells_carry_each_hosts_status_and_the_script_ran(chromium, proxy, tmp_path, page):
    dom = Dom(browse(chromium, proxy, tmp_path, page, "--dump-dom"))
    statuses = {
        (tr["attrs"]["data-check"], td["attrs"]["data-host"]): td["attrs"]["data-status"]
        for tr in dom.find("tr")
        if "data-check" in tr["attrs"]
        for td in _row_cells(dom, tr)
        if td["attrs"].get("data-status")
    }
    assert statuses == {
        ("resources.cpu", "alpha"): "pass",
        ("resources.cpu", "beta"): "pass",
        ("resources.memory", "alpha"): "fail",
        ("resources.memory", "beta"): "pass",
        ("time.offset", "alpha"): "error",
        ("time.offset", "beta"): "warn",
        ("time.timezone", "alpha"): "info",
        ("connectivity.dpo", "beta"): "unknown",
    }
    # each cell's class colours it by its status, and its text says the status
    for tr in dom.find("tr"):
        for td in _row_cells(dom, tr) if "data-check" in tr["attrs"] else []:
            status = td["attrs"].get("data-status")
            if status:
                assert "s-%s" % status in td["attrs"]["class"].split()
                assert Dom.text(td).startswith(status)
    # unfiltered: every row shown, the filters visible, the count written by the script
    assert all(rows_shown(dom).values())
    assert dom.find(id="filters")[0]["shown"]
    assert Dom.text(dom.find(id="shown")[0]) == "5 of 5 checks shown"
    # counts per host, and the host whose task failed says why
    counts = {td["attrs"]["data-count"]: Dom.text(td) for td in dom.find("td") if "data-count" in td["attrs"]}
    assert len(counts) == 6
    gamma = next(tr for tr in dom.find("tr") if tr["attrs"].get("data-host") == "gamma")
    assert "ERROR" in Dom.text(gamma) and "preflight: bad input" in Dom.text(gamma)


def _row_cells(dom, tr):
    start = dom.elements.index(tr)
    out = []
    for el in dom.elements[start + 1 :]:
        if el["tag"] == "tr":
            break
        if el["tag"] == "td":
            out.append(el)
    return out


def test_status_filter_from_the_url_hides_rows_without_that_status(chromium, proxy, tmp_path, page):
    dom = Dom(browse(chromium, proxy, tmp_path, page + "#status=fail", "--dump-dom"))
    assert rows_shown(dom) == {
        "time.offset": False,
        "resources.memory": True,
        "connectivity.dpo": False,
        "time.timezone": False,
        "resources.cpu": False,
    }
    boxes = {b["attrs"]["value"]: "checked" in b["attrs"] for b in dom.find("input", name="status")}
    assert boxes == {"pass": False, "info": False, "warn": False, "unknown": False, "error": False, "fail": True}
    problems = {p["attrs"]["data-check"] + "/" + p["attrs"]["data-status"]: p["shown"] for p in dom.find("div")
                if "problem" in (p["attrs"].get("class") or "")}  # fmt: skip
    assert problems == {
        "time.offset/error": False,
        "resources.memory/fail": True,
        "connectivity.dpo/unknown": False,
        "time.offset/warn": False,
    }
    assert Dom.text(dom.find(id="shown")[0]) == "1 of 5 checks shown"

    dom = Dom(browse(chromium, proxy, tmp_path, page + "#status=error,warn", "--dump-dom"))
    assert {k for k, v in rows_shown(dom).items() if v} == {"time.offset"}


def test_host_filter_from_the_url_hides_the_other_hosts_columns(chromium, proxy, tmp_path, page):
    dom = Dom(browse(chromium, proxy, tmp_path, page + "#host=beta", "--dump-dom"))
    for el in dom.elements:
        host = el["attrs"].get("data-host")
        if host and el["tag"] in ("th", "td"):
            assert el["hidden"] == (host != "beta"), (el["tag"], host)
    # a check beta did not run (time.timezone ran only on alpha) has nothing left to show
    assert rows_shown(dom)["time.timezone"] is False
    assert rows_shown(dom)["connectivity.dpo"] is True
    problems = {p["attrs"]["data-check"]: p["shown"] for p in dom.find("div") if "data-check" in p["attrs"]}
    assert problems["resources.memory"] is False  # failed on alpha only
    assert problems["connectivity.dpo"] is True


def test_escaped_values_never_run_or_load(chromium, proxy, tmp_path, page):
    dom = Dom(browse(chromium, proxy, tmp_path, page, "--dump-dom"))
    assert EVIL_TITLE not in dom.title
    assert dom.title.startswith("eFormidling preflight")
    assert not dom.find("img")
    assert len(dom.find("script")) == 1
    cell = dom.find("tr", id="p-error-time.offset--alpha")[0]
    assert "<script>document.title='%s'</script>" % EVIL_TITLE in Dom.text(cell)
    assert "hunter2-x" not in browse(chromium, proxy, tmp_path, page, "--dump-dom")


def test_the_page_makes_no_network_request(chromium, proxy, tmp_path, page):
    # Control: a page that does load something is seen by the recorder, so an empty list below means something.
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><img src="http://127.0.0.1:%d/control.png">' % proxy.port)
    browse(chromium, proxy, tmp_path, control.as_uri(), "--dump-dom")
    assert any("/control.png" in line for line in proxy.page_requests()), proxy.requests
    proxy.requests.clear()

    text = browse(chromium, proxy, tmp_path, page, "--dump-dom")
    assert proxy.page_requests() == []
    dom = Dom(text)
    for el in dom.elements:
        for name in ("src", "href", "action", "data", "poster"):
            value = el["attrs"].get(name)
            if value is None:
                continue
            assert el["tag"] == "a" and name == "href", (el["tag"], name, value)
            assert value.startswith(("#", "https://docs.digdir.no/", "http://127.0.0.1:%d/docs" % proxy.port)), value
    assert not dom.find("link")


def test_readable_without_javascript(chromium, proxy, tmp_path, page):
    # Chromium's --dump-dom and --screenshot need JavaScript themselves, so "JS off" is the page without its script.
    text = (tmp_path / "preflight.html").read_text()
    nojs = tmp_path / "preflight-nojs.html"
    nojs.write_text(re.sub(r"<script>.*?</script>", "", text, flags=re.S))
    assert "<script" not in nojs.read_text()
    dom = Dom(browse(chromium, proxy, tmp_path, nojs.as_uri() + "#status=fail", "--dump-dom"))
    assert len(rows_shown(dom)) == 5 and all(rows_shown(dom).values())  # the hash filter needs the script
    assert not dom.find(id="filters")[0]["shown"]  # checkboxes that would do nothing are not offered
    problems = [p for p in dom.find("div") if "problem" in (p["attrs"].get("class") or "")]
    assert len(problems) == 4 and all(p["shown"] for p in problems)
    for needed in ("Give alpha 2048 MiB", "1024 MiB", "2048 MiB", "preflight: bad input"):
        assert needed in Dom.text(dom.find("main")[0])
    assert "Filters need JavaScript" in text  # in <noscript>, for a browser with scripts off


def test_screenshot_renders(chromium, proxy, tmp_path, page):
    shot = tmp_path / "preflight.png"
    browse(chromium, proxy, tmp_path, page, "--hide-scrollbars", "--window-size=1400,1000", "--screenshot=%s" % shot)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    assert len(data) > 20000  # a blank page compresses to a few hundred bytes
    assert proxy.page_requests() == []


PLAYBOOK = """
- name: Hosts leave their records
  hosts: all
  gather_facts: false
  tasks:
    - name: An earlier task fails on 'early', so its preflight never runs
      ansible.builtin.fail:
        msg: earlier failure
      when: inventory_hostname == 'early'
    - name: The preflight task itself fails on 'crashed'
      ansible.builtin.fail:
        msg: "preflight: integrasjonspunkt_services has unknown service 'DPX'"
      when: inventory_hostname == 'crashed'
      register: preflight_result
      ignore_errors: true
    - name: Stand-in for the preflight action's registered result
      ansible.builtin.set_fact:
        preflight_result: "{{ records[inventory_hostname] }}"
      when: inventory_hostname in records

- name: Report
  hosts: alpha
  gather_facts: false
  tasks:
    - name: Write every report
      eformidling.integrasjonspunkt.preflight_report:
        hosts: "{{ groups['all'] }}"
        report_dir: "{{ report_dir }}"
      register: report
"""


def test_the_report_task_reads_registered_results_through_real_hostvars(chromium, proxy, tmp_path):
    per_host = records(proxy.port)
    del per_host["gamma"]
    inventory = {
        "all": {
            "hosts": {h: {"ansible_connection": "local"} for h in ("alpha", "beta", "early", "crashed")},
            "vars": {"ansible_python_interpreter": harness.sys.executable},
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "vars.json").write_text(json.dumps({"records": per_host, "report_dir": str(tmp_path / "reports")}))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    proc = subprocess.run(
        [
            harness.os.path.join(harness.VENV_BIN, "ansible-playbook"),
            "-i",
            str(tmp_path / "inventory.json"),
            "-e",
            "@%s" % (tmp_path / "vars.json"),
            str(tmp_path / "play.yml"),
        ],
        env=harness.ansible_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]  # 'early' failed
    doc = json.loads(proc.stdout)
    res = doc["plays"][1]["tasks"][0]["hosts"]["alpha"]
    states = {r["host"]: (r["state"], r["reason"]) for r in res["hosts"]}
    assert states == {
        "alpha": ("failed", None),
        "beta": ("ok", None),
        "crashed": ("error", "preflight: integrasjonspunkt_services has unknown service 'DPX'"),
        "early": ("error", report.NO_RESULT),
    }
    assert sorted(harness.os.path.basename(f) for f in res["files"]) == [
        "preflight-junit.xml",
        "preflight.html",
        "preflight.json",
        "preflight.md",
    ]
    assert res["meta"]["version"] == "4.0.8"
    html_file = tmp_path / "reports" / "preflight.html"
    dom = Dom(browse(chromium, proxy, tmp_path, html_file.as_uri() + "#host=crashed,early,beta", "--dump-dom"))
    verdicts = {
        tr["attrs"]["data-host"]: (tr["attrs"]["data-state"], tr["hidden"])
        for tr in dom.find("tr", **{"class": "hostrow"})
    }
    assert verdicts == {
        "alpha": ("failed", True),
        "beta": ("ok", False),
        "crashed": ("error", False),
        "early": ("error", False),
    }
    assert proxy.page_requests() == []
    for secret_file in (tmp_path / "reports").iterdir():
        assert "hunter2-x" not in secret_file.read_text()
