# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which integrasjonspunkt client reaches a catalogue entry, and whether it follows the JVM proxy.

The install role gives the JVM `-Dhttps.proxyHost`/`-Dhttp.proxyHost` (settings.py); only some of the
integrasjonspunkt's clients read those properties. Each runtime entry of data/endpoints.yml records its client in
`jvm_proxy`:

    jvm_proxy:
      follows: true | false | null   # null: not read (an older version's client); probed through the proxy as before
      client: the class and the HTTP/AMQP/socket library it uses
      evidence: read | inferred | not read   # read = seen in the upstream code; inferred = from a library default
      source: file and commit

The probe reaches the entry the way the integrasjonspunkt will: `use_proxy` is derived from `follows` (an explicit
`use_proxy` must agree with it), and `proxy_reason` carries one line that the probe result shows when it goes
direct. Pure and never raises: returns (entry, problem) and catalogue.py words the error.
"""

EVIDENCE = ("read", "inferred", "not read")
FIELDS = ("follows", "client", "evidence", "source")


def reason(record):
    """The one-line 'why direct' a probe result shows for an entry whose client ignores the JVM proxy."""
    return "%s does not use the JVM proxy (%s: %s)" % (record["client"], record["evidence"], record["source"])


def normalise(entry):
    """Validate entry['jvm_proxy'] and derive use_proxy / proxy_reason. Return (entry, (field, why) or None)."""
    record = entry.get("jvm_proxy")
    if record is None:
        return entry, None
    if not isinstance(record, dict):
        return entry, ("jvm_proxy", "must be a mapping with %s" % ", ".join(FIELDS))
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        return entry, ("jvm_proxy", "unknown key %r (known: %s)" % (unknown[0], ", ".join(FIELDS)))
    follows = record.get("follows")
    if follows is not None and not isinstance(follows, bool):
        return entry, ("jvm_proxy", "follows must be true, false or null, got %r" % (follows,))
    for key in ("client", "source"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            return entry, ("jvm_proxy", "%s must be a non-empty string" % key)
    if record.get("evidence") not in EVIDENCE:
        allowed = ", ".join(EVIDENCE)
        return entry, ("jvm_proxy", "evidence must be one of %s, got %r" % (allowed, record.get("evidence")))
    out = dict(entry)
    if follows is None:
        return out, None
    if "use_proxy" in out and out["use_proxy"] is not follows:
        return entry, ("use_proxy", "is %s but jvm_proxy.follows is %s" % (out["use_proxy"], follows))
    out["use_proxy"] = follows
    if not follows:
        out["proxy_reason"] = reason(record)
    return out, None
