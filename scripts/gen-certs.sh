#!/usr/bin/env bash
# Make throwaway certificates for development and tests (never production):
#   DIR/ca.crt, ca.key              a private CA
#   DIR/edge.crt, edge.key          the edge towards phones: localhost, 127.0.0.1, ::1
#   DIR/carrier.crt, carrier.key    a stand-in carrier: sip:carrier.test, carrier.test
#   DIR/srvtarget.crt, .key         names only the SRV target sip1.carrier.test
#   DIR/other-ca.crt, .key          a second CA the edge does not trust
#   DIR/foreign.crt, .key           sip:carrier.test, but issued by other-ca
#   DIR/phone.crt, .key             a phone's client certificate
# Existing files are kept, so running it twice changes nothing.
set -euo pipefail
dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

# ca NAME SUBJECT
ca() {
	[ -f "$1.key" ] && [ -f "$1.crt" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.crt" -days 3650 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# issue NAME CN SAN [CA]
issue() {
	local name=$1 cn=$2 san=$3 ca=${4:-ca}
	[ -f "$name.crt" ] && [ -f "$name.key" ] && return 0
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
		"$san" > "$name.ext"
	openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-CAcreateserial -out "$name.crt" -days 825 \
		-extfile "$name.ext" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
}

ca ca "sipedge test CA"
ca other-ca "another CA"
issue edge localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
issue carrier carrier.test "URI:sip:carrier.test,DNS:carrier.test"
issue srvtarget sip1.carrier.test "DNS:sip1.carrier.test"
issue foreign carrier.test "URI:sip:carrier.test,DNS:carrier.test" other-ca
issue phone phone.test "DNS:phone.test"
chmod 600 ./*.key
