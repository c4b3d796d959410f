# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Judge `gpg --status-fd` output of a detached signature against the pinned key (controller side).

Each way a signature can be refused gets its own message, so the operator is told what is actually wrong: a
good signature by another key, a key that is not in the keyring, a signature that does not match the file, an
expired or revoked key, or no signature at all. gpg's status lines: doc/DETAILS in the GnuPG sources.
"""

from ansible.errors import AnsibleFilterError

PINNED_VAR = "integrasjonspunkt_signing_key_fingerprint"


def _status(lines):
    """{keyword: [fields...], ...} of the [GNUPG:] lines, in order, each keyword's lines kept."""
    out = {}
    for line in lines:
        parts = str(line).split()
        if len(parts) >= 2 and parts[0] == "[GNUPG:]":
            out.setdefault(parts[1], []).append(parts[2:])
    return out


def _norm(fingerprint):
    return str(fingerprint or "").replace(" ", "").upper()


def _signer(status):
    """The signing key as gpg names it best: the primary key's fingerprint, else the key's, else the key ID."""
    for fields in status.get("VALIDSIG", []):
        return fields[-1] if len(fields) >= 10 else fields[0]
    for fields in status.get("ERRSIG", []):
        if len(fields) >= 7:
            return fields[6]
        return fields[0]
    for key in ("GOODSIG", "BADSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG", "NO_PUBKEY"):
        for fields in status.get(key, []):
            return fields[0]
    return None


def signature_problem(lines, pinned):
    """'' when a good signature by the pinned key is among the lines; else what is wrong, in one sentence."""
    if not isinstance(lines, (list, tuple)):
        raise AnsibleFilterError("gpg_signature_problem expects gpg's status lines as a list, got %r" % (lines,))
    pinned = _norm(pinned)
    status = _status(lines)
    signers = {_norm(f) for fields in status.get("VALIDSIG", []) for f in (fields[0], fields[-1])}
    if status.get("GOODSIG") and pinned in signers:
        return ""
    signer = _signer(status)
    if status.get("BADSIG"):
        return "the signature by key %s does not match the JAR: the JAR or its .asc was altered (BADSIG)" % signer
    if status.get("EXPKEYSIG"):
        return "signed by key %s, which has expired (EXPKEYSIG)" % signer
    if status.get("REVKEYSIG"):
        return "signed by key %s, which has been revoked (REVKEYSIG)" % signer
    if status.get("GOODSIG") or status.get("VALIDSIG"):
        return "signed by key %s, not the pinned %s %s" % (signer, PINNED_VAR, pinned)
    if status.get("NO_PUBKEY") or any(f[5:6] == ["9"] for f in status.get("ERRSIG", [])):
        return (
            "signed by key %s, not the pinned %s %s (integrasjonspunkt_signing_key holds no key %s, so the"
            " signature cannot be checked: NO_PUBKEY)" % (signer, PINNED_VAR, pinned, signer)
        )
    if status.get("ERRSIG"):
        fields = status["ERRSIG"][0]
        return "gpg could not check the signature by key %s (ERRSIG, reason code %s: %s)" % (
            signer,
            fields[5] if len(fields) > 5 else "?",
            "unsupported algorithm" if fields[5:6] == ["4"] else "see gpg's doc/DETAILS",
        )
    if status.get("NODATA"):
        return "the .asc holds no OpenPGP signature (NODATA)"
    return "gpg reported no signature at all"


class FilterModule:
    def filters(self):
        return {"gpg_signature_problem": signature_problem}
