#!/usr/bin/env python3
"""A minimal SMTP server for one STARTTLS session, for traces/make-traces.sh.

    smtp-peer.py PORT CERT KEY

It greets, answers EHLO with the STARTTLS capability, accepts STARTTLS and
then runs the TLS server side with Python's ssl module (OpenSSL)."""
import ssl
import sys

from peer import listener


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = listener(port)
    conn, _ = srv.accept()
    f = conn.makefile("rb")
    conn.sendall(b"220 localhost ESMTP tlsscope-test\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
            conn.sendall(b"250-localhost\r\n250-SIZE 1000000\r\n250 STARTTLS\r\n")
        elif cmd == b"STARTTLS":
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            break
        else:
            conn.sendall(b"502 5.5.2 Not implemented\r\n")
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.settimeout(5)
    try:
        data = tls.recv(1024)
        if data:
            tls.sendall(b"250 OK\r\n")
        tls.unwrap()
    except (OSError, ssl.SSLError):
        pass
    tls.close()


if __name__ == "__main__":
    main()
