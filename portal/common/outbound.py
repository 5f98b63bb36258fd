"""Outbound webhook POSTs to URLs that portal users chose: the SSRF guard and address pinning.

Users set the URLs (core API webhooks, staging restore webhooks), so a POST could be aimed at the
portal's own network: its database, Redis, cloud metadata, admin ports. With `allow_private`
False (production), `post_pinned`:

1. resolves the host once and refuses (OutboundRefused) if any address is not globally reachable
   (private, loopback, link-local, shared, reserved, multicast, unspecified: `address_blocked`);
2. connects to the first checked address, not to a second lookup's answer: a DNS answer that
   changes between the check and the connection ("rebinding") cannot redirect it. HTTPS still
   sends the host name (SNI) and verifies the certificate against it;
3. never follows redirects and ignores ambient proxy settings;
4. gives the whole exchange a deadline (connect + read timeout by default): requests' read timeout
   counts per read, so a receiver sending its answer a byte at a time could otherwise hold a
   worker (or, with eager tasks, a page) for as long as it liked. At the deadline the socket is
   shut down and the POST fails with `DeadlineExceeded` (a requests.Timeout).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """`reason` "unresolved" (no address) or "private" (`address` is not public)."""

    def __init__(self, reason: str, address: Address | None = None):
        super().__init__(f"{reason}: {address}" if address else reason)
        self.reason = reason
        self.address = address


def url_for_log(url: str) -> str:
    """The URL without a user:password part, for logs and the activity log (a webhook URL may
    carry basic-auth credentials, which only the delivery itself may use)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()


def address_blocked(address: Address) -> bool:
    """Anything but a globally reachable address: besides private, loopback and link-local ranges
    also shared address space (100.64.0.0/10: carrier-grade NAT, some clouds' metadata service such
    as 100.100.100.200) and the other special-purpose ranges, and an IPv6 address that carries an
    IPv4 one (6to4, Teredo) which is blocked itself."""
    if (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified or not address.is_global):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.sixtofour, *(address.teredo or ())]
        return any(a is not None and address_blocked(a) for a in embedded)
    return False


def resolve(host: str) -> list[Address]:
    """The addresses `host` resolves to (one DNS lookup), IPv4-mapped IPv6 as IPv4."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused("unresolved") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        addresses.append(address)
    if not addresses:
        raise OutboundRefused("unresolved")
    return addresses


def checked_addresses(host: str, *, allow_private: bool) -> list[Address]:
    """The host's addresses; OutboundRefused("private") when any is not public (unless allowed)."""
    addresses = resolve(host)
    if not allow_private:
        blocked = next((a for a in addresses if address_blocked(a)), None)
        if blocked is not None:
            raise OutboundRefused("private", blocked)
    return addresses


class DeadlineExceeded(requests.Timeout):
    """No complete answer within the POST's total deadline."""


class _Sockets:
    """The sockets of one post_pinned call, shut down together when its deadline passes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.expired = False

    def add(self, sock) -> None:
        with self.lock:
            self.open.append(sock)
            if self.expired:  # connected just after the deadline: no exchange on it
                _shutdown(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.open:
                _shutdown(sock)


def _shutdown(sock) -> None:
    try:  # wakes a recv() blocked in another thread: it reads end-of-file
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_current = threading.local()  # the _Sockets of the post_pinned call running in this thread


def _track(connection) -> None:
    sockets = getattr(_current, "sockets", None)
    if sockets is not None and connection.sock is not None:
        sockets.add(connection.sock)


class _TrackedHTTPConnection(HTTPConnection):
    def connect(self):
        super().connect()
        _track(self)


class _TrackedHTTPSConnection(HTTPSConnection):
    def connect(self):
        super().connect()
        _track(self)


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to the address in the URL (the checked one) while HTTPS keeps `hostname` for SNI
    and the certificate check."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        # connections whose sockets post_pinned's deadline can shut down
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.hostname
            pool_kwargs["assert_hostname"] = self.hostname
        return host_params, pool_kwargs


class ResponseTooLarge(requests.RequestException):
    """The answer's body is larger than the caller accepts (read and dropped at the limit)."""


def ascii_host(hostname: str) -> str:
    """The host name as it goes on the wire (Host header, TLS SNI and certificate check): an
    internationalized name in its A-label form ("bücher.example" -> "xn--bcher-kva.example")."""
    if hostname.isascii():
        return hostname
    try:
        return hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise requests.exceptions.InvalidURL(f"Not a valid host name: {hostname[:200]}") from exc


def _deadline_for(timeout) -> float:
    if isinstance(timeout, tuple):
        return float(sum(t for t in timeout if t is not None))
    return 2 * float(timeout)


def post_pinned(
    url: str, *, data: bytes, headers: dict, timeout, allow_private: bool, max_bytes: int = 1024 * 1024,
    deadline: float | None = None,
) -> requests.Response:
    """POST `url` (an http(s) URL with a host) to the address its host resolves to now, checked.
    The answer's body is read up to `max_bytes` (ResponseTooLarge beyond: a receiver cannot make
    the portal hold an unbounded body), and the whole exchange ends within `deadline` seconds
    (default: connect + read timeout; DeadlineExceeded). Raises OutboundRefused, or
    requests.RequestException for network trouble."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise requests.exceptions.InvalidURL(f"Not an http(s) URL: {url[:200]}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:  # "dropped" would mean a delivery to port 80/443 the user never chose
        raise requests.exceptions.InvalidURL(f"Not a valid port: {url[:200]}")
    address = checked_addresses(parts.hostname, allow_private=allow_private)[0]
    host = f"[{address}]" if address.version == 6 else str(address)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    hostname = ascii_host(parts.hostname)
    if not hostport.isascii():  # an http.client header is Latin-1: Cyrillic was a UnicodeEncodeError
        hostport = hostname + (f":{port}" if port else "")
    netloc = (f"{userinfo}@" if userinfo else "") + (f"{host}:{port}" if port else host)
    pinned = parts._replace(netloc=netloc).geturl()
    limit = _deadline_for(timeout) if deadline is None else deadline
    sockets = _Sockets()
    timer = threading.Timer(limit, sockets.expire)
    timer.daemon = True
    _current.sockets = sockets
    timer.start()
    try:
        with requests.Session() as session:
            session.trust_env = False  # no ambient proxies: the connection goes where it was checked
            session.mount(f"{parts.scheme}://", PinnedAddressAdapter(hostname))
            response = session.post(pinned, data=data, timeout=timeout, allow_redirects=False, stream=True,
                                    headers={**headers, "Host": hostport})
            with response:
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > max_bytes:
                        raise ResponseTooLarge(f"The answer is larger than {max_bytes} bytes.", response=response)
            if sockets.expired:  # the shut-down socket read as the end of a short body
                raise DeadlineExceeded(f"No complete answer within {limit:g} seconds.")
            response._content = bytes(body)  # what requests itself sets once a streamed body is read
            return response
    except UnicodeError as exc:  # e.g. credentials in the URL that Basic auth (Latin-1) cannot carry
        raise requests.exceptions.InvalidURL(f"The URL cannot be sent: {exc}") from exc
    except (requests.RequestException, OSError) as exc:
        if sockets.expired and not isinstance(exc, (DeadlineExceeded, ResponseTooLarge)):
            raise DeadlineExceeded(f"No complete answer within {limit:g} seconds.") from exc
        if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):
            raise requests.ConnectionError(str(exc)) from exc
        raise
    finally:
        timer.cancel()
        _current.sockets = None
