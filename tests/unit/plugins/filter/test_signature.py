"""The signature check of the install role: each way a signature is refused gets its own message.

The status lines are gpg 2.2's own output (Debian 12), recorded with two ed25519 keys: 'pinned' and 'other'."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.eformidling.integrasjonspunkt.plugins.filter import signature

PINNED = "86118D424E4BCB7EBE54EA521D6B772C0FEEE7C3"
OTHER = "DDA486560C597A9228AAB2274329CB53490A115F"

# signed by 'other', only 'pinned' in the keyring
NO_PUBKEY = [
    "[GNUPG:] NEWSIG other@example",
    "[GNUPG:] ERRSIG 4329CB53490A115F 22 8 00 1796594042 9 " + OTHER,
    "[GNUPG:] NO_PUBKEY 4329CB53490A115F",
]
# signed by 'other', both keys in the keyring: a valid signature, by the wrong key
GOOD_OTHER = [
    "[GNUPG:] NEWSIG other@example",
    "[GNUPG:] KEY_CONSIDERED %s 0" % OTHER,
    "[GNUPG:] SIG_ID 41aQgyH8WxQZbHsKCVpV8VtFNf4 2026-12-06 1796594042",
    "[GNUPG:] GOODSIG 4329CB53490A115F other <other@example>",
    "[GNUPG:] VALIDSIG %s 2026-12-06 1796594042 0 4 0 22 8 00 %s" % (OTHER, OTHER),
    "[GNUPG:] TRUST_UNDEFINED 0 pgp",
]
GOOD_PINNED = [line.replace(OTHER, PINNED).replace("other", "pinned") for line in GOOD_OTHER]
BADSIG = [
    "[GNUPG:] NEWSIG other@example",
    "[GNUPG:] BADSIG 4329CB53490A115F other <other@example>",
    "[GNUPG:] FAILURE gpg-exit 33554433",
]
NODATA = ["[GNUPG:] NODATA 1", "[GNUPG:] NODATA 2"]


def test_a_good_signature_by_the_pinned_key_passes_whatever_the_spelling_of_the_fingerprint():
    assert signature.signature_problem(GOOD_PINNED, PINNED) == ""
    spaced = " ".join(PINNED[i : i + 4] for i in range(0, 40, 4)).lower()
    assert signature.signature_problem(GOOD_PINNED, spaced) == ""


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (GOOD_OTHER, "signed by key %s, not the pinned integrasjonspunkt_signing_key_fingerprint %s" % (OTHER, PINNED)),
        (NO_PUBKEY, "signed by key %s, not the pinned integrasjonspunkt_signing_key_fingerprint %s" % (OTHER, PINNED)),
        (NO_PUBKEY, "NO_PUBKEY"),
        (BADSIG, "does not match the JAR: the JAR or its .asc was altered (BADSIG)"),
        (["[GNUPG:] EXPKEYSIG 4329CB53490A115F other <other@example>"], "has expired"),
        (["[GNUPG:] REVKEYSIG 4329CB53490A115F other <other@example>"], "has been revoked"),
        (["[GNUPG:] ERRSIG 4329CB53490A115F 99 8 00 1796594042 4 " + OTHER], "ERRSIG, reason code 4"),
        (NODATA, "holds no OpenPGP signature (NODATA)"),
        ([], "no signature at all"),
    ],
)
def test_each_refusal_names_its_own_cause(lines, says):
    problem = signature.signature_problem(lines, PINNED)
    assert says in problem
    assert "no signature found" not in problem


def test_a_good_signature_by_another_key_is_never_accepted_even_next_to_the_pinned_fingerprint_in_text():
    lines = GOOD_OTHER + ["[GNUPG:] KEY_CONSIDERED %s 0" % PINNED]
    assert signature.signature_problem(lines, PINNED).startswith("signed by key %s" % OTHER)


def test_status_that_is_not_a_list_is_an_error():
    with pytest.raises(AnsibleFilterError, match="status lines as a list"):
        signature.signature_problem("[GNUPG:] GOODSIG x", PINNED)
