"""The browser tests' live server closes every response, even when the browser resets the connection."""

import gc
import socket
import struct
import sys
import threading

from tests.browser import serve


def test_a_reset_connection_leaves_no_file_open(app, monkeypatch):
    # Werkzeug's server left such a file to the garbage collector (tests/browser.py, closing).
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    starts = []
    with serve(app) as url:
        port = int(url.rsplit(":", 1)[1])
        for _ in range(20):
            client = socket.create_connection(("127.0.0.1", port))
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
            client.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            starts.append(client.recv(12))
            client.close()
        for thread in threading.enumerate():  # the server's threads meet the resets and end
            if "process_request_thread" in thread.name:
                thread.join(timeout=10)
    gc.collect()
    assert starts == [b"HTTP/1.1 200"] * 20
    assert [repr(item.exc_value) for item in unraisable] == []
