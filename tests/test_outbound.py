"""portal.common.outbound.post_pinned against real loopback receivers: a receiver that answers a
byte at a time is cut off at the POST's total deadline (each read alone stays under the read
timeout, which is all requests enforces), and a URL with port 0 is refused, not sent to port 80."""

import socket
import threading
import time

import pytest
import requests

from portal.common import outbound


class Receiver:
    """A one-connection-at-a-time HTTP receiver on a free loopback port that sends `answer` with a
    pause of `pause` seconds between chunks of `step` bytes."""

    def __init__(self, answer: bytes, *, pause: float = 0.0, step: int = 1 << 16):
        self.answer, self.pause, self.step = answer, pause, step
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        request += conn.recv(65536)
                    for i in range(0, len(self.answer), self.step):
                        if self.stop.is_set():
                            break
                        conn.sendall(self.answer[i:i + self.step])
                        time.sleep(self.pause)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def receiver():
    made = []

    def make(answer: bytes, **kwargs) -> Receiver:
        made.append(Receiver(answer, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def post(port: int, **kwargs):
    return outbound.post_pinned(f"http://127.0.0.1:{port}/hook", data=b'{"a":1}', headers={}, allow_private=True,
                                **{"timeout": (1.0, 0.5), **kwargs})


def test_a_prompt_answer_is_read_whole(receiver):
    r = receiver(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    response = post(r.port)
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.parametrize("answer", [
    # the status line and headers a byte at a time
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: " + b"x" * 200 + b"\r\n\r\nok",
    # a body of declared length, a byte at a time
    b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n" + b"y" * 200,
    # a body up to the connection's end, a byte at a time (EOF would look like its end)
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"z" * 200,
], ids=["headers", "sized-body", "close-delimited-body"])
def test_a_receiver_answering_a_byte_at_a_time_is_cut_off_at_the_deadline(receiver, answer):
    r = receiver(answer, pause=0.05, step=1)  # 20 bytes a second: every read well under 0.5 s
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded, match="No complete answer within 1.5 seconds"):
        post(r.port)  # deadline: connect 1.0 + read 0.5
    assert time.monotonic() - started < 3.5  # the whole answer would take over 10 s


def test_the_deadline_can_be_given(receiver):
    r = receiver(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 100, pause=0.05, step=1)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):  # DeadlineExceeded is a requests.Timeout: callers' handling holds
        post(r.port, deadline=0.5)
    assert time.monotonic() - started < 2.5


def test_a_url_with_port_0_is_refused_not_sent_to_port_80():
    with pytest.raises(requests.exceptions.InvalidURL, match="port"):
        outbound.post_pinned("http://127.0.0.1:0/hook", data=b"{}", headers={}, timeout=(1, 1), allow_private=True)
    with pytest.raises(requests.exceptions.InvalidURL, match="port"):
        outbound.post_pinned("http://127.0.0.1:99999/hook", data=b"{}", headers={}, timeout=(1, 1), allow_private=True)
