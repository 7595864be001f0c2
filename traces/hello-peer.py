#!/usr/bin/env python3
"""Hand-built TLS hellos for traces/make-traces.sh, where OpenSSL 3 cannot
be made to misbehave: each mode plays one side with bytes a real old or
hostile peer sends, and real OpenSSL plays the other side.

  hello-peer.py client-legacy PORT      a TLS 1.2 ClientHello with neither
                                        renegotiation_info nor the SCSV (a
                                        pre-RFC 5746 client); reads the
                                        server's flight, then closes
  hello-peer.py client-heartbleed PORT  a ClientHello offering heartbeat,
                                        then a heartbeat request claiming
                                        16384 bytes it does not carry
  hello-peer.py server-deflate PORT     answers a ClientHello with a
                                        ServerHello that selects DEFLATE
                                        compression, as a server of the
                                        CRIME era did
  hello-peer.py client-hrr-gives-up PORT  a TLS 1.3 ClientHello with an
                                        x25519 key share that also lists
                                        secp256r1; reads the server's
                                        HelloRetryRequest, then closes
                                        without a second ClientHello
  hello-peer.py client-silent-close PORT CAFILE  Python's own OpenSSL as a
                                        TLS 1.2 client that verifies against
                                        CAFILE; when verification fails it
                                        closes the socket instead of sending
                                        the alert, as many applications do
  hello-peer.py server-silent-close PORT  reads the ClientHello and closes
                                        without a word
"""
import os
import socket
import ssl
import struct
import sys
import time

from peer import listener

TLS12 = 0x0303


def u8(v): return struct.pack(">B", v)
def u16(v): return struct.pack(">H", v)
def u24(v): return struct.pack(">I", v)[1:]
def vec8(b): return u8(len(b)) + b
def vec16(b): return u16(len(b)) + b


def extension(ext_type, body):
    return u16(ext_type) + vec16(body)


def record(content_type, body, version=TLS12):
    return u8(content_type) + u16(version) + vec16(body)


def handshake(msg_type, body):
    return u8(msg_type) + u24(len(body)) + body


def client_hello(extra_extensions=b""):
    suites = [0xC02F, 0xC030, 0x009C, 0x009D]  # ECDHE-RSA-AES-GCM, RSA-AES-GCM
    exts = extension(0, vec16(u8(0) + vec16(b"localhost")))          # server_name
    exts += extension(10, vec16(u16(29) + u16(23)))                   # x25519, secp256r1
    exts += extension(11, vec8(u8(0)))                                # uncompressed points
    exts += extension(13, vec16(b"".join(u16(s) for s in (0x0804, 0x0401, 0x0403))))
    exts += extra_extensions
    body = u16(TLS12) + os.urandom(32) + vec8(b"")
    body += vec16(b"".join(u16(s) for s in suites)) + vec8(u8(0)) + vec16(exts)
    return record(22, handshake(1, body), version=0x0301)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(2)
    return s


def drain(s):
    """Read what the server sends until it closes or goes quiet."""
    try:
        while s.recv(65536):
            pass
    except (socket.timeout, ConnectionResetError):
        pass


def client_legacy(port):
    s = connect(port)
    s.sendall(client_hello())
    time.sleep(0.3)
    drain(s)
    s.close()


def client_heartbleed(port):
    s = connect(port)
    s.sendall(client_hello(extension(15, u8(1))))  # heartbeat: peer_allowed_to_send
    time.sleep(0.3)
    # type 1 (request), payload_length 16384, and no payload or padding at all
    s.sendall(record(24, u8(1) + u16(16384)))
    drain(s)
    s.close()


def client_hrr_gives_up(port):
    exts = extension(0, vec16(u8(0) + vec16(b"localhost")))            # server_name
    exts += extension(10, vec16(u16(29) + u16(23)))                     # x25519, secp256r1
    exts += extension(13, vec16(b"".join(u16(s) for s in (0x0804, 0x0403))))
    exts += extension(43, vec8(u16(0x0304)))                            # supported_versions: 1.3
    exts += extension(45, vec8(u8(1)))                                  # psk_dhe_ke
    exts += extension(51, vec16(u16(29) + vec16(os.urandom(32))))       # key_share: x25519 only
    body = u16(TLS12) + os.urandom(32) + vec8(os.urandom(32))
    body += vec16(u16(0x1301) + u16(0x1302)) + vec8(u8(0)) + vec16(exts)
    s = connect(port)
    s.sendall(record(22, handshake(1, body), version=0x0301))
    time.sleep(0.3)
    drain(s)
    s.close()


def read_record(conn):
    head = b""
    while len(head) < 5:
        chunk = conn.recv(5 - len(head))
        if not chunk:
            raise EOFError
        head += chunk
    length = struct.unpack(">H", head[3:5])[0]
    body = b""
    while len(body) < length:
        body += conn.recv(length - len(body))
    return head[0], body


def server_deflate(port):
    ls = listener(port)
    conn, _ = ls.accept()
    conn.settimeout(2)
    _, hello = read_record(conn)
    # echo the client's first suite so only the compression method is odd
    sid_len = hello[4 + 34]
    pos = 4 + 35 + sid_len
    suite = struct.unpack(">H", hello[pos + 2:pos + 4])[0]
    body = u16(TLS12) + os.urandom(32) + vec8(os.urandom(32)) + u16(suite) + u8(1)  # DEFLATE
    body += vec16(extension(0xFF01, vec8(b"")))                                      # renegotiation_info
    conn.sendall(record(22, handshake(2, body)))
    drain(conn)
    conn.close()
    ls.close()


def client_silent_close(port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    s = connect(port)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(outgoing.read())
            data = s.recv(65536)
            if not data:
                break
            incoming.write(data)
        except ssl.SSLError:
            break  # the alert OpenSSL wrote into outgoing is never sent
    s.close()


def server_silent_close(port):
    ls = listener(port)
    conn, _ = ls.accept()
    conn.settimeout(2)
    read_record(conn)
    time.sleep(0.05)
    conn.close()
    ls.close()


MODES = {"client-legacy": client_legacy, "client-heartbleed": client_heartbleed,
         "server-deflate": server_deflate, "client-hrr-gives-up": client_hrr_gives_up,
         "client-silent-close": client_silent_close, "server-silent-close": server_silent_close}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in MODES:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    MODES[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
