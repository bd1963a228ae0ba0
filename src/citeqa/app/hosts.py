"""The names the app answers to (no Gradio import). A web page can point its own name at 127.0.0.1
(DNS rebinding) and then read a loopback app as its own origin; its requests still carry that name
in the Host header, so the app serves only the names it is served as:

- bound to loopback: localhost and the loopback addresses;
- bound to every address (0.0.0.0, ::): those, and any IP address (a page cannot rebind an address,
  only a name);
- bound to one address or name: that one;
- and always the names given with --allowed-host NAME / CITEQA_ALLOWED_HOSTS=a,b (a reverse proxy's
  or a LAN name).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
WILDCARDS = {"", "0.0.0.0", "::"}


def _ip(name: str):
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback


def host_name(value: str | None) -> str | None:
    """The name in a Host header (`name`, `name:port`, `[v6]:port`), lower-case, or None when malformed."""
    value = str(value or "").strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())) or _ip(name) is None:
            return None
        return name
    name, colon, port = value.rpartition(":")
    if not colon:
        name = value
    elif not port.isdigit() or ":" in name:
        return value if _ip(value) is not None else None  # a bare IPv6 address, else malformed
    name = name.rstrip(".")
    return name or None


class AllowedHosts:
    def __init__(self, bind: str, extra: Iterable[str] = ()):
        bind = bind.strip().strip("[]").lower()
        self.names = {n for n in (host_name(e) for e in extra) if n}
        self.any_address = bind in WILDCARDS
        self.loopback = self.any_address or is_loopback(bind)
        if not self.any_address:
            self.names.add(bind)

    def __contains__(self, header: str | None) -> bool:
        name = host_name(header)
        if name is None:
            return False
        if name in self.names:
            return True
        ip = _ip(name)
        if self.loopback and (name in LOOPBACK_NAMES or (ip is not None and ip.is_loopback)):
            return True
        return self.any_address and ip is not None


def allowed_host_names(flags: Iterable[str], env_value: str | None) -> list[str]:
    """--allowed-host NAME (repeatable) and CITEQA_ALLOWED_HOSTS=a,b; a name given with a port or a
    scheme is refused with the reason, not silently never matched."""
    names = [*flags, *[n.strip() for n in (env_value or "").split(",") if n.strip()]]
    for name in names:
        if "/" in name or host_name(name) != name.strip("[]").lower().rstrip("."):
            raise ValueError(f"--allowed-host {name!r} is not a host name: give the bare name (or address), "
                             "without a scheme, port or path.")
    return names
