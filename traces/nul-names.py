#!/usr/bin/env python3
"""The extensions of traces/pki/server-nul.pem as OpenSSL extension-file
lines in DER (its configuration syntax cannot spell a NUL): a SAN with a
dNSName, an rfc822Name and a URI, an OCSP responder URI and a CRL
distribution point URI, each of them 'www.example.com' (or an address or
URL of it) followed by a NUL and '.evil.test'. Standard library only."""


def tlv(tag, body):
    n = len(body)
    length = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])
    return bytes([tag]) + length + body


DNS, EMAIL, URI = 0x82, 0x81, 0x86
san = tlv(0x30, tlv(DNS, b"www.example.com\0.evil.test") + tlv(EMAIL, b"admin@www.example.com\0.evil.test")
          + tlv(URI, b"https://www.example.com\0.evil.test/"))
OCSP = bytes([0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01])  # id-ad-ocsp
aia = tlv(0x30, tlv(0x30, OCSP + tlv(URI, b"http://ocsp.example.com\0.evil.test/")))
# DistributionPoint { distributionPoint [0] { fullName [0] { URI } } }
crl = tlv(0x30, tlv(0x30, tlv(0xA0, tlv(0xA0, tlv(URI, b"http://crl.example.com\0.evil.test/ca.crl")))))
print("subjectAltName=DER:" + san.hex())
print("authorityInfoAccess=DER:" + aia.hex())
print("crlDistributionPoints=DER:" + crl.hex())
