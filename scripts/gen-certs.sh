#!/usr/bin/env bash
# Make throwaway certificates for development and tests (never production):
#   DIR/ca.crt, ca.key            a private CA
#   DIR/edge.crt, edge.key        the edge towards phones: localhost, 127.0.0.1, ::1
#   DIR/carrier.crt, carrier.key  a stand-in carrier: sip:carrier.test, carrier.test
# Existing files are kept, so running it twice changes nothing.
set -euo pipefail
dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.crt -days 3650 -subj "/CN=sipedge test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue NAME CN SAN
issue() {
	local name=$1 cn=$2 san=$3
	[ -f "$name.crt" ] && [ -f "$name.key" ] && return 0
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
		"$san" > "$name.ext"
	openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key \
		-CAcreateserial -out "$name.crt" -days 825 \
		-extfile "$name.ext" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
}

issue edge localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
issue carrier carrier.test "URI:sip:carrier.test,DNS:carrier.test"
chmod 600 ./*.key
