#!/usr/bin/env bash
# Installs moto_server (the local AWS the tests use) unless it is already on PATH.
# PyPI is tried first; where it is not reachable (these machines), moto comes
# from Debian: bookworm's Python dependencies plus trixie's python3-moto,
# unpacked under MOTO_PREFIX with a small wrapper script.
set -euo pipefail
MOTO_PREFIX=${MOTO_PREFIX:-/usr/local}
MOTO_HOME=$MOTO_PREFIX/lib/drsync-moto

if command -v moto_server >/dev/null; then echo "moto_server: $(command -v moto_server)"; exit 0; fi
if python3 -m pip install -q --retries 0 --timeout 10 'moto[server]==5.2.1' >/dev/null 2>&1 \
   && command -v moto_server >/dev/null; then echo "moto_server: installed from PyPI"; exit 0; fi
echo "tools-moto: no PyPI here; installing moto from Debian's packages"
apt-get update -qq
if apt-get install -y -qq --no-install-recommends python3-moto python3-flask-cors >/dev/null 2>&1; then
  echo "moto_server: $(command -v moto_server) (Debian python3-moto)"; exit 0
fi
apt-get install -y -qq --no-install-recommends python3 python3-boto3 python3-botocore \
  python3-cryptography python3-dateutil python3-flask python3-flask-cors python3-jinja2 \
  python3-requests python3-responses python3-werkzeug python3-xmltodict python3-yaml >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mirror=$(set +o pipefail; cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')
[ -n "$mirror" ] || { echo "tools-moto: no Debian mirror found in /etc/apt" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$tmp/sources.list"
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
apt=(-o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache" -o APT::Sandbox::User=root)
apt-get "${apt[@]}" update -qq
(cd "$tmp" && apt-get "${apt[@]}" download -qq python3-moto)
rm -rf "$MOTO_HOME"; mkdir -p "$MOTO_HOME" "$MOTO_PREFIX/bin"
dpkg-deb -x "$tmp"/python3-moto_*_all.deb "$MOTO_HOME"
printf '#!/bin/sh\n# moto from Debian trixie python3-moto, run by Debian python3 (make tools-moto)\nPYTHONPATH=%s exec /usr/bin/python3 -m moto.server "$@"\n' \
  "$MOTO_HOME/usr/lib/python3/dist-packages" >"$MOTO_PREFIX/bin/moto_server"
chmod +x "$MOTO_PREFIX/bin/moto_server"
"$MOTO_PREFIX/bin/moto_server" --help >/dev/null
echo "moto_server: $MOTO_PREFIX/bin/moto_server (Debian python3-moto $(dpkg-deb -f "$tmp"/python3-moto_*_all.deb Version))"
