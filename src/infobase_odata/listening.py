"""Where the command-line server listens: loopback detection and one-line bind errors.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
    (True, False)
    >>> bind_error(OSError(errno.EADDRINUSE, "Address already in use"), "127.0.0.1", 8080)
    'port 8080 on 127.0.0.1 is already in use (another server running?); choose another with --port, e.g. --port 8081'
"""

from __future__ import annotations

import errno
import ipaddress
import socket


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback one (unresolvable: False)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0].split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def bind_error(exc: OSError, host: str, port: int) -> str:
    """The one-line message for a server that could not listen on ``host:port``."""
    if isinstance(exc, (socket.gaierror, UnicodeError)):
        return (f"cannot listen on host {host!r}: the name does not resolve ({exc}); "
                "give an address of this machine with --host (default 127.0.0.1)")
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use (another server running?); "
                f"choose another with --port, e.g. --port {port + 1 if port < 65535 else 8081}")
    if code == errno.EACCES:
        return (f"no permission to listen on port {port} on {host} (ports below 1024 need privileges); "
                "choose another with --port, e.g. --port 8080")
    if code == errno.EADDRNOTAVAIL:
        return (f"cannot listen on host {host}: not an address of this machine; "
                "give one with --host (default 127.0.0.1)")
    if isinstance(exc, OverflowError) or code is None and "port" in str(exc):
        return f"port {port} is not a valid port number (0-65535); choose another with --port"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host and --port"
