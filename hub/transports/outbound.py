"""Refuse outbound calls to private, loopback and link-local addresses (SSRF guard).

Base URLs come from configuration a center's administrator edits; without this check a
URL such as http://169.254.169.254/ would let a channel read the host's metadata
service. Tests run platform fakes on 127.0.0.1, so loopback can be allowed by setting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from ronghub_sdk import PermanentDeliveryError


class BlockedAddress(PermanentDeliveryError):
    """The configured URL points into a private or otherwise forbidden network."""


def _forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
    if ip.is_loopback:
        return not allow_loopback
    return ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified


async def check_outbound_url(url: str, *, allow_loopback: bool = False) -> None:
    """Raise BlockedAddress unless every address `url`'s host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"地址 {url} 不是 http(s) 地址", f"{url} is not an http(s) URL")
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise BlockedAddress(f"无法解析域名 {host}", f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for ip in addresses:
        if _forbidden(ip, allow_loopback):
            raise BlockedAddress(
                f"配置的地址 {host} 指向内网或本机({ip}),出于安全考虑不允许访问,请改为平台的公网地址。",
                f"{host} resolves to a private or loopback address ({ip}); refused.",
            )
