"""Refuse outbound calls to private, loopback, link-local and metadata addresses (SSRF guard).

Base URLs and webhook endpoints come from people outside the hub's operators (a center's
administrator, a partner); without this check a URL such as http://169.254.169.254/ would
let them read the host's metadata service or reach internal systems. Only globally
routable unicast addresses are allowed: private (10/8, 172.16/12, 192.168/16, fc00::/7),
loopback, link-local (169.254/16 with the cloud metadata services, fe80::/10), shared
address space (100.64/10, where Alibaba Cloud's 100.100.100.200 lives), reserved,
documentation, multicast and unspecified addresses are refused, also when wrapped in an
IPv4-mapped IPv6 address.

The check runs twice: when a URL is saved (`check_outbound_url`, a clear error for the
person typing it) and when the connection is opened (`guarded_transport`: the host is
resolved once, every address checked, and the connection goes to a checked address, so a
DNS answer that changes in between — DNS rebinding — cannot slip through).

Tests run receivers on 127.0.0.1: `allow_loopback` (setting `outbound_allow_loopback`)
or explicit networks (`outbound_allow_networks`) open exactly those ranges.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
import ssl
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx
from ronghub_sdk import PermanentDeliveryError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# not covered by `is_global` in every Python version, named here to be sure
METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, GCP, Azure, Tencent, Huawei
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS IPv6
)
# IANA special-purpose ranges that are not globally reachable (RFC 6890 and its updates),
# listed so the answer does not depend on the Python version's `is_global` table
NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::/96",
        "::ffff:0:0/96",
        "::ffff:0:0:0/96",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "3fff::/20",
        "5f00::/16",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
# IPv6 ranges that carry an IPv4 address: the IPv4 address is what is reached
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix, v4 in the low 32 bits
TEREDO = ipaddress.ip_network("2001::/32")  # tunnels to an obfuscated client address: refused


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4). The deprecated
    IPv4-compatible form ::a.b.c.d is not unwrapped: ::/96 is refused whatever it holds."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


class BlockedAddress(PermanentDeliveryError):
    """The configured URL points into a private or otherwise forbidden network."""


class UnresolvableHost(BlockedAddress):
    """The host name has no address now (a save may accept it: delivery checks again)."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Which addresses outbound calls may reach besides the public internet."""

    allow_loopback: bool = False
    allow_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def of(
        cls, *, allow_loopback: bool = False, allow_networks: Iterable[str] = ()
    ) -> OutboundPolicy:
        return cls(
            allow_loopback, tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks)
        )

    @classmethod
    def from_settings(cls, settings: typing.Any) -> OutboundPolicy:
        return cls.of(
            allow_loopback=bool(getattr(settings, "outbound_allow_loopback", False)),
            allow_networks=getattr(settings, "outbound_allow_networks", ()) or (),
        )

    def forbidden(self, ip: IPAddress) -> bool:
        """An IPv6 address wrapping an IPv4 one (::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
        2002::/16) is judged by the IPv4 address it reaches; Teredo (2001::/32), the
        local-use NAT64 prefix (64:ff9b:1::/48) and IPv4-compatible ::a.b.c.d are refused."""
        ip = embedded_ipv4(ip) or ip
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return False
        if ip.is_loopback:
            return not self.allow_loopback
        if any(ip in net for net in (*METADATA, *NOT_GLOBAL) if net.version == ip.version):
            return True
        return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def _forbidden(ip: IPAddress, allow_loopback: bool) -> bool:
    return OutboundPolicy(allow_loopback).forbidden(ip)


def _refusal(host: str, ip: IPAddress) -> BlockedAddress:
    wrapped = embedded_ipv4(ip)
    if wrapped is not None:  # name what is really reached
        return BlockedAddress(
            f"配置的地址 {host} 经 IPv6 封装指向 {wrapped}(内网、本机或保留地址),出于安全考虑不允许访问,请改为对方的公网地址。",
            f"{host} wraps {wrapped}, a private, loopback or reserved address; refused.",
        )
    return BlockedAddress(
        f"配置的地址 {host} 指向内网、本机或云平台元数据地址({ip}),出于安全考虑不允许访问,请改为对方的公网地址。",
        f"{host} resolves to a private, loopback, link-local or metadata address ({ip}); refused.",
    )


_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def ip_literal(host: str) -> IPAddress | None:
    """The address a host written as an address stands for, or None for a name.

    Besides dotted quads and [IPv6], resolvers accept the inet_aton forms: 2130706433,
    0x7f000001, 0177.0.0.1, 127.1 all mean 127.0.0.1; they are read here, not left to the
    resolver, so a check never depends on how the platform's C library reads them.
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError as exc:
            raise BlockedAddress(
                f"地址 {host} 不是有效的 IPv6 地址", f"{host} is not a valid IPv6 address"
            ) from exc
    if not _NUMERIC_HOST.match(host):
        return None
    parts = [
        int(p, 16) if p[:2].lower() == "0x" else int(p, 8) if len(p) > 1 and p[0] == "0" else int(p)
        for p in host.rstrip(".").split(".")
    ]
    limits = [256] * (len(parts) - 1) + [256 ** (5 - len(parts))]
    if any(not 0 <= p < lim for p, lim in zip(parts, limits, strict=True)):
        raise BlockedAddress(
            f"地址 {host} 不是有效的 IPv4 地址", f"{host} is not a valid IPv4 address"
        )
    value = 0
    for p in parts[:-1]:
        value = value * 256 + p
    value = value * 256 ** (5 - len(parts)) + parts[-1]
    return ipaddress.IPv4Address(value)


async def resolve_checked(host: str, port: int, policy: OutboundPolicy) -> list[IPAddress]:
    """Every address `host` resolves to, all allowed by `policy`, or BlockedAddress."""
    literal = ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise UnresolvableHost(
                f"无法解析域名 {host},请检查地址是否正确。", f"cannot resolve {host}: {exc}"
            ) from exc
        addresses = list(
            dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
        )
    if not addresses:
        raise UnresolvableHost(
            f"无法解析域名 {host},请检查地址是否正确。", f"{host} has no address"
        )
    for ip in addresses:
        if policy.forbidden(ip):
            raise _refusal(host, ip)
    return addresses


async def check_outbound_url(
    url: str, *, allow_loopback: bool = False, policy: OutboundPolicy | None = None
) -> None:
    """Raise BlockedAddress unless `url` is http(s) and every address its host resolves to is allowed."""
    policy = policy or OutboundPolicy(allow_loopback)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"地址 {url} 不是 http(s) 地址", f"{url} is not an http(s) URL")
    if parts.username or parts.password:
        raise BlockedAddress(
            f"地址 {url} 不能包含用户名或密码", f"{url} must not carry credentials"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedAddress(f"地址 {url} 的端口不正确", f"{url} has an invalid port") from exc
    await resolve_checked(parts.hostname, port, policy)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to a checked address (TLS still verifies the host name)."""

    def __init__(
        self, policy: OutboundPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked(host, port, self.policy)
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("不允许连接本机套接字", "unix sockets are not an outbound target")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The one verifying TLS context of the process (certifi's CA bundle, no environment).
    Building one loads and parses the CA bundle, 10-20 ms of CPU: a client made per
    delivery built two (half the distribution worker's CPU in a fan-out burst); an
    `SSLContext` is safe to share between connections, clients and threads."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every connection passes `policy` (no proxies, no env)."""

    def __init__(self, policy: OutboundPolicy, *, http2: bool = False) -> None:
        super().__init__(verify=_tls_context(), http2=http2, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls_context(),
            http1=True,
            http2=http2,
            network_backend=_GuardedBackend(policy),
        )


def guarded_client(
    policy: OutboundPolicy, *, timeout_s: float = 10.0, **kwargs: typing.Any
) -> httpx.AsyncClient:
    """An AsyncClient that refuses forbidden addresses at connect time and follows no redirects."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy),
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
        **kwargs,
    )
