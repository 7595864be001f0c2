"""What the hand-made peers in traces/ share (imported by mq-peer.py,
smtp-peer.py and hello-peer.py, which Python finds beside them)."""
import socket


def listener(port, addr="127.0.0.1"):
    """A loopback listening socket for one test connection; accept() gives
    up after 10 s so a client that never comes does not hang the script."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(10)
    return s
