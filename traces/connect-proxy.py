#!/usr/bin/env python3
"""An HTTP CONNECT proxy for one connection, for traces/make-traces.sh:
  connect-proxy.py LISTEN_ADDR LISTEN_PORT
reads "CONNECT host:port HTTP/1.x" and its headers, connects to host:port,
answers "200 Connection established" and relays both ways until either
side closes."""
import select
import socket
import sys

from peer import listener


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise EOFError
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    method, target = head.split(b"\r\n")[0].split(b" ")[:2]
    if method != b"CONNECT":
        raise ValueError("not a CONNECT request")
    host, port = target.rsplit(b":", 1)
    return host.decode(), int(port), rest


def relay(a, b):
    while True:
        ready, _, _ = select.select([a, b], [], [], 5)
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def main(addr, port):
    ls = listener(port, addr)
    conn, _ = ls.accept()
    host, target_port, rest = read_request(conn)
    upstream = socket.create_connection((host, target_port))
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    if rest:
        upstream.sendall(rest)
    relay(conn, upstream)
    upstream.close()
    conn.close()
    ls.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], int(sys.argv[2]))
