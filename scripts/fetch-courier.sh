#!/usr/bin/env bash
# Fetches Courier-IMAP's Debian packages once and unpacks them into a cache directory, for the
# tests' private Courier instances (test/support/courier.ts). Nothing is installed: on Debian
# courier-imap conflicts with dovecot-imapd, so the packages are only unpacked, and the tests
# show them at their built-in paths inside a private mount namespace.
#
#   scripts/fetch-courier.sh            # into ${MAILFERRY_TEST_SERVERS:-/var/cache/mailferry-test-servers}/courier
#
# Needs root for nothing but writing the cache; needs apt's package lists (apt-get update).
# The shared libraries the binaries need and Debian may install without conflicts are in
# APT_PACKAGES of .ci/run (libidn12, libltdl7, ...); the check at the end names any missing one.
set -euo pipefail

PACKAGES=(courier-imap courier-base courier-authlib courier-authdaemon courier-authlib-userdb
  libcourier-unicode4 gamin libgamin0)

base="${MAILFERRY_TEST_SERVERS:-/var/cache/mailferry-test-servers}"
dest="$base/courier"
# The binaries whose libraries are checked, relative to the unpacked root.
BINARIES=(usr/bin/imapd usr/lib/courier/courier/imaplogin usr/sbin/couriertcpd
  usr/lib/courier/courier-authlib/authdaemond usr/lib/courier/courier-authlib/makedatprog
  usr/lib/courier-authlib/libauthuserdb.so.0 usr/libexec/gam_server)

check() {
  local root="$1" missing=""
  for bin in "${BINARIES[@]}"; do
    [ -e "$root/$bin" ] || { echo "fetch-courier: $root/$bin is missing" >&2; return 1; }
    missing+="$(LD_LIBRARY_PATH="$root/usr/lib:$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/courier-authlib" \
      ldd "$root/$bin" | awk '/not found/ {print $1}')"$'\n'
  done
  missing="$(printf '%s' "$missing" | sort -u | sed '/^$/d' | tr '\n' ' ')"
  if [ -n "$missing" ]; then
    echo "fetch-courier: shared libraries not found: $missing(install them with apt-get; see .ci/run)" >&2
    return 1
  fi
}

mkdir -p "$base"
# Test workers may start at once: one fetches, the others wait for it.
exec 9>"$base/.courier.lock"
flock 9

if [ -f "$dest/VERSIONS" ]; then
  check "$dest/root"
  exit 0
fi

work="$(mktemp -d "$base/.courier-fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/debs" "$work/courier" "$work/courier/root"
# apt's download sandbox user cannot write into a root-only directory.
(cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root "${PACKAGES[@]}")
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/courier/root"
  dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$work/courier/VERSIONS"
done
check "$work/courier/root"
rm -rf "$dest"
mv "$work/courier" "$dest"
echo "fetch-courier: unpacked $(paste -sd ',' "$dest/VERSIONS") into $dest"
