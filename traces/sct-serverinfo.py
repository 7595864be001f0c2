#!/usr/bin/env python3
"""A SERVERINFOV2 PEM for `openssl s_server -serverinfo`: two made-up SCTs
(RFC 6962 3.2, v1, SHA-256/ECDSA signature of 8 bytes) in a
signed_certificate_timestamp extension that OpenSSL sends in the leaf's TLS
1.3 CertificateEntry (context SSL_EXT_TLS1_3_CERTIFICATE) and in a TLS 1.2
ServerHello. Standard library only.

    sct-serverinfo.py OUT.pem"""
import base64
import struct
import sys


def sct(log_byte, sig_byte):
    return (b"\x00" + bytes([log_byte]) * 32 + struct.pack(">Q", 1700000000000) + b"\x00\x00"
            + b"\x04\x03" + struct.pack(">H", 8) + bytes([sig_byte]) * 8)


scts = b"".join(struct.pack(">H", len(s)) + s for s in (sct(0x11, 0x22), sct(0x33, 0x44)))
ext = struct.pack(">H", len(scts)) + scts
TLS1_2_SERVER_HELLO, TLS1_3_CERTIFICATE = 0x0100, 0x1000
data = struct.pack(">IHH", TLS1_2_SERVER_HELLO | TLS1_3_CERTIFICATE, 18, len(ext)) + ext
b64 = base64.b64encode(data).decode()
with open(sys.argv[1], "w") as f:
    f.write("-----BEGIN SERVERINFOV2 FOR signed_certificate_timestamp-----\n")
    f.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n")
    f.write("-----END SERVERINFOV2 FOR signed_certificate_timestamp-----\n")
