#!/usr/bin/env python3
"""Small IBM MQ-shaped peers for traces/make-traces.sh.

Nothing here speaks full MQ: each mode sends or answers just the bytes a
real channel puts on the wire at the moment the rules care about (the
Transmission Segment Header layout is in docs/rules.md and the project's MQ
reference notes).

  mq-peer.py client-plain PORT            plaintext TSH ID + UID, like a
                                          client channel with blank SSLCIPH
  mq-peer.py server-plain PORT            answer anything with a plaintext
                                          TSH ID and STATUS, then close
  mq-peer.py server-close PORT            read the ClientHello and close
  mq-peer.py server-tls-close PORT CERT KEY
                                          finish the TLS handshake, read the
                                          client's first data, close (what a
                                          queue manager does on AMQ9631E)
  mq-peer.py server-tls-slow PORT CERT KEY SECONDS
                                          wait before answering the hello
"""
import socket
import ssl
import struct
import sys
import time

from peer import listener

CHANNEL = b"APP.SVRCONN"
QMGR = b"QM1"


def tsh(seg_type, body):
    """A 28-byte 'TSH ' header (big-endian, ASCII CCSID 819) and body."""
    header = b"TSH " + struct.pack(">I", 28 + len(body))
    header += bytes([1, seg_type, 0x31, 0]) + b"\0" * 8
    header += struct.pack(">IHH", 0x111, 819, 0)
    return header + body


def initial_data():
    body = bytearray(b" " * 102)
    body[0:4] = b"ID  "
    body[4] = 13  # FAP level
    body[5:24] = b"\0" * 19
    body[24:44] = CHANNEL.ljust(20)
    body[48:96] = QMGR.ljust(48)
    return tsh(1, bytes(body))


def userid():
    body = b"UID " + b"appuser".ljust(12) + b"secret".ljust(12)
    return tsh(8, body)


def status(code):
    return tsh(5, struct.pack(">II", 12, code))


def client_plain(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(initial_data())
        c.recv(4096)
        c.sendall(userid())
        time.sleep(0.2)


def server_plain(port):
    with listener(port) as s:
        conn, _ = s.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(initial_data())
            conn.sendall(status(24))
            time.sleep(0.2)


def server_close(port):
    with listener(port) as s:
        conn, _ = s.accept()
        with conn:
            conn.recv(4096)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def server_tls_close(port, cert, key):
    ctx = tls_context(cert, key)
    with listener(port) as s:
        conn, _ = s.accept()
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(4096)
            # drop the connection without close_notify, as MQ does
            tls.shutdown(socket.SHUT_RDWR)


def server_tls_slow(port, cert, key, seconds):
    ctx = tls_context(cert, key)
    with listener(port) as s:
        conn, _ = s.accept()
        time.sleep(seconds)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(4096)
            tls.sendall(b"hello\n")
            time.sleep(0.2)


def main(argv):
    mode, port = argv[1], int(argv[2])
    if mode == "client-plain":
        client_plain(port)
    elif mode == "server-plain":
        server_plain(port)
    elif mode == "server-close":
        server_close(port)
    elif mode == "server-tls-close":
        server_tls_close(port, argv[3], argv[4])
    elif mode == "server-tls-slow":
        server_tls_slow(port, argv[3], argv[4], float(argv[5]))
    else:
        sys.exit("mq-peer.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
