"""The keystores of the certificate renewal cases (tasks/renew.yml), all under one new test CA.

    renew_keystores.py DIR ORGNR ALIAS, with the keystore password on stdin (never in argv).

Writes in DIR: extra-issuers.yml (the CA, for integrasjonspunkt_keystore_extra_issuers) and
  valid.p12        a new valid certificate (the renewal)
  unregistered.p12 valid too, but its serial goes in unregistered.serial: the stand-in's certificate directory
                   does not hold it, so the integrasjonspunkt does not become healthy on it (the rollback case)
  expired.p12      expired yesterday
  wrongorg.p12     issued to another organisation number
  ec.p12           an EC key (Maskinporten takes RS256 only)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "helpers"))

import seid_test_ca as ca

CASES = {
    "valid": {},
    "unregistered": {},
    "expired": {"not_before": ca.NOW - 400 * ca.DAY, "not_after": ca.NOW - ca.DAY},
    "wrongorg": {"orgnr": "974760673"},
    "ec": {"key_type": "ec"},
}


def write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def main(directory, orgnr, alias, password):
    os.makedirs(directory, mode=0o700, exist_ok=True)
    root = ca.make_root()
    inter = ca.make_intermediate(root)
    for case, leaf_args in CASES.items():
        key, leaf = ca.make_leaf(inter, **dict({"orgnr": orgnr}, **leaf_args))
        write(os.path.join(directory, case + ".p12"), ca.p12(key, leaf, password, alias, [inter.cert]))
        if case == "unregistered":
            write(os.path.join(directory, "unregistered.serial"), ("%x\n" % leaf.serial_number).encode())
    with open(os.path.join(directory, "extra-issuers.yml"), "w") as fh:
        fh.write(ca.issuers_yaml(root, inter, environment="test"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.stdin.readline().rstrip("\n"))
