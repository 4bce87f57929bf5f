#!/usr/bin/env bash
# Fetches the IMAP servers the interop tests start, beside the system's own Dovecot:
#
#   scripts/test-servers.sh cyrus     prints the directory Cyrus IMAP is unpacked in
#
# Debian's cyrus-imapd conflicts with dovecot-imapd, so it is not installed: its .debs are
# fetched with `apt-get download` and unpacked with `dpkg -x` into
# ${MAILFERRY_TEST_SERVERS:-/var/cache/mailferry-test-servers}/cyrus, once; later calls only
# print the directory. The shared libraries those binaries need (which do not conflict with
# Dovecot) must be installed: .ci/run's APT_PACKAGES has them. Used by .ci/run and, when the
# directory is missing, by test/support/cyrus.ts.
set -euo pipefail

root="${MAILFERRY_TEST_SERVERS:-/var/cache/mailferry-test-servers}"

fetch_cyrus() {
  local dest="$root/cyrus"
  if [ -x "$dest/usr/lib/cyrus/bin/master" ] && [ -s "$dest/VERSION" ]; then
    check_cyrus "$dest"
    echo "$dest"
    return
  fi
  mkdir -p "$root"
  # Parallel test workers may ask at once: one fetches, the others wait and find it there.
  exec 9>"$root/.cyrus.lock"
  flock 9
  if [ ! -x "$dest/usr/lib/cyrus/bin/master" ] || [ ! -s "$dest/VERSION" ]; then
    local work
    work="$(mktemp -d "$root/.cyrus.XXXXXX")"
    # apt-get download drops privileges to _apt and warns when _apt may not write the folder.
    if [ "$(id -u)" = 0 ] && getent passwd _apt >/dev/null; then chown _apt "$work"; fi
    if ! (cd "$work" && apt-get download -q cyrus-common cyrus-imapd >&2); then
      rm -rf "$work"
      echo "test-servers: apt-get download cyrus-common cyrus-imapd failed (run apt-get update first?)" >&2
      exit 1
    fi
    mkdir "$work/tree"
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/tree"; done
    for deb in "$work"/*.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done >"$work/tree/VERSION"
    chmod 755 "$work/tree"
    rm -rf "$dest"
    mv "$work/tree" "$dest"
    rm -rf "$work"
  fi
  flock -u 9
  check_cyrus "$dest"
  echo "$dest"
}

# The binaries run unprivileged from this tree, so each folder on the way must be open to others,
# and the libraries they link must be installed.
check_cyrus() {
  local dest="$1" missing
  missing="$(LD_LIBRARY_PATH="$dest/usr/lib/x86_64-linux-gnu" ldd "$dest/usr/lib/cyrus/bin/imapd" \
    "$dest/usr/lib/cyrus/bin/master" "$dest/usr/lib/cyrus/bin/idled" "$dest/usr/lib/cyrus/bin/ctl_cyrusdb" \
    | awk '/not found/ {print $1}' | sort -u | paste -sd' ')"
  if [ -n "$missing" ]; then
    echo "test-servers: Cyrus needs shared libraries that are not installed: $missing" >&2
    echo "test-servers: install the Cyrus packages of APT_PACKAGES in .ci/run (apt-get install ...)" >&2
    exit 1
  fi
  if ! command -v saslpasswd2 >/dev/null; then
    echo "test-servers: saslpasswd2 is missing: apt-get install sasl2-bin" >&2
    exit 1
  fi
}

case "${1:-}" in
  cyrus) fetch_cyrus ;;
  *) echo "usage: $0 cyrus" >&2; exit 2 ;;
esac
