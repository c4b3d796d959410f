#!/usr/bin/env bash
# Inspect a JKS/PKCS12 keystore without changing it. Reads KS_FILE, KS_TYPE (PKCS12|JKS), KS_ALIAS
# and KS_PASS from the environment; prints only non-secret findings, one key=value a line:
#   file=ok|missing   tool=openssl|keytool|missing   store=ok|bad   alias=found|missing|not-a-key
#   key=ok|bad (the key password equals the store password)   aliases=<comma list>
# Never prints the password or key material. Exit status is 0; the caller judges the findings.
set -u -o pipefail
echo "file=$([ -r "$KS_FILE" ] && echo ok || echo missing)"
[ -r "$KS_FILE" ] || exit 0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ "$KS_TYPE" = PKCS12 ] && command -v openssl >/dev/null 2>&1; then
  echo "tool=openssl"
  p12() { openssl pkcs12 -in "$KS_FILE" -passin env:KS_PASS "$@" 2>"$tmp/err" || \
          { grep -qiE 'unsupported|legacy' "$tmp/err" && openssl pkcs12 -legacy -in "$KS_FILE" -passin env:KS_PASS "$@" 2>"$tmp/err"; }; }
  # 1. The integrity (MAC) password is the store password; certificates are readable with it.
  if ! p12 -nokeys -info >"$tmp/certs" 2>&1; then echo "store=bad"; exit 0; fi
  echo "store=ok"
  # 2. Private keys decrypt with the same password (store password == key password).
  #    Only the bag attributes are kept; the key itself goes to /dev/null via the filter.
  if p12 -nocerts -nodes 2>/dev/null | grep -E '^[[:space:]]*friendlyName:|BEGIN .*PRIVATE KEY' >"$tmp/keys"; then
    echo "key=ok"
  else
    echo "key=bad"
  fi
  keys=$(awk '/friendlyName:/ {sub(/^[[:space:]]*friendlyName:[[:space:]]*/, ""); n=$0} /PRIVATE KEY/ {print n}' "$tmp/keys")
  all=$(grep -E '^[[:space:]]*friendlyName:' "$tmp/certs" | sed -E 's/^[[:space:]]*friendlyName:[[:space:]]*//' | sort -u)
  echo "aliases=$(printf '%s\n' "$all" "$keys" | sort -u | grep -v '^$' | paste -sd, -)"
  if printf '%s\n' "$keys" | grep -qxF -- "$KS_ALIAS"; then echo "alias=found"
  elif printf '%s\n' "$all" | grep -qxF -- "$KS_ALIAS"; then echo "alias=not-a-key"
  else echo "alias=missing"; fi
  exit 0
fi

if command -v keytool >/dev/null 2>&1; then
  echo "tool=keytool"
  if ! keytool -list -keystore "$KS_FILE" -storetype "$KS_TYPE" -storepass:env KS_PASS >"$tmp/list" 2>&1; then
    echo "store=bad"; exit 0
  fi
  echo "store=ok"
  echo "aliases=$(grep -E ', (PrivateKeyEntry|trustedCertEntry|SecretKeyEntry), *$' "$tmp/list" | cut -d, -f1 | paste -sd, -)"
  # JKS keeps aliases in lower case and looks them up case-insensitively.
  ci=""; [ "$KS_TYPE" = JKS ] && ci="-i"
  if grep -q $ci -E "^$(printf '%s' "$KS_ALIAS" | sed 's/[.]/[.]/g'), .*, PrivateKeyEntry," "$tmp/list"; then echo "alias=found"
  elif grep -qiE "^$(printf '%s' "$KS_ALIAS" | sed 's/[.]/[.]/g'), " "$tmp/list"; then echo "alias=not-a-key"
  else echo "alias=missing"; echo "key=bad"; exit 0; fi
  # Reading the private key with the store password proves key password == store password.
  if keytool -importkeystore -noprompt -srckeystore "$KS_FILE" -srcstoretype "$KS_TYPE" \
       -srcstorepass:env KS_PASS -srcalias "$KS_ALIAS" -srckeypass:env KS_PASS \
       -destkeystore "$tmp/probe.p12" -deststoretype PKCS12 -deststorepass:env KS_PASS >/dev/null 2>&1; then
    echo "key=ok"
  else
    echo "key=bad"
  fi
  exit 0
fi
echo "tool=missing"
