#!/bin/sh
# gen.sh: regenerate the RFC 5922 test certificates of test_tls_name.c.
# The outputs are committed; run this only to change them. Test keys only.
# Validity is fixed (2000-2099) through "openssl ca", so the files do not
# depend on the clock of the machine that made them.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/index.txt"
echo 01 > "$tmp/serial"
cat > "$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF

# sign CSR OUT [EXTFILE] [ca options...]
sign() {
	csr=$1 out=$2 ext=$3
	shift 3
	openssl ca -batch -notext -config "$tmp/ca.cnf" -in "$csr" -out "$out" \
	    -startdate 20000101000000Z -enddate 20991231235959Z \
	    ${ext:+-extfile "$ext"} "$@" 2>/dev/null
}

openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
openssl req -new -key ca.key -subj "/CN=sipedge unit test CA" -out "$tmp/ca.csr"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' \
    > "$tmp/ca.ext"
sign "$tmp/ca.csr" ca.pem "$tmp/ca.ext" -selfsign -keyfile ca.key

# leaf NAME SUBJECT [SAN]: a certificate for leaf.key signed by the CA.
leaf() {
	openssl req -new -key leaf.key -subj "$2" -out "$tmp/$1.csr"
	ext=
	if [ $# -ge 3 ]; then
		ext="$tmp/$1.ext"
		printf 'subjectAltName=%s\n' "$3" > "$ext"
	fi
	sign "$tmp/$1.csr" "$1.pem" "$ext" -cert ca.pem -keyfile ca.key
}

leaf uri "/CN=uri-only" "URI:sip:carrier.test"
leaf uri-other-dns "/CN=carrier.test" "URI:sip:other.test,DNS:carrier.test"
leaf dns "/CN=dns-only" "DNS:carrier.test"
leaf cn "/CN=carrier.test"
leaf cn-san-other "/CN=carrier.test" "DNS:other.test"
leaf wildcard "/CN=wildcard" "DNS:*.carrier.test"
leaf mixed-case "/CN=mixed-case" "URI:SIP:CaRRier.Test"
leaf trailing-dot "/CN=trailing-dot" "DNS:carrier.test."
leaf srv-target "/CN=sip1.provider.net" "DNS:sip1.provider.net"
leaf uri-user "/CN=uri-user" "URI:sip:alice@carrier.test,DNS:carrier.test"
leaf uri-sips "/CN=carrier.test" "URI:sips:carrier.test"
leaf uri-params "/CN=uri-params" "URI:sip:carrier.test:5061;transport=tls"
