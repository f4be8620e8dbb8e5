"""The outbound address guard sees through other spellings of loopback and private
addresses: IPv6 wrappings (6to4, NAT64, Teredo, mapped, compatible) and the numeric
IPv4 forms resolvers accept (decimal, octal, hex, short)."""

from __future__ import annotations

import ipaddress

import pytest

from hub.transports.outbound import BlockedAddress, OutboundPolicy, check_outbound_url, ip_literal

REFUSED = [
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://[2002:a00:1::1]/",  # 6to4 wrapping 10.0.0.1
    "http://[2002:c0a8:101::]/",  # 6to4 wrapping 192.168.1.1
    "http://[2002:a9fe:a9fe::]/",  # 6to4 wrapping the metadata service
    "http://[64:ff9b::7f00:1]/",  # NAT64 wrapping 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping 169.254.169.254
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::8.8.8.8]/",  # IPv4-compatible is refused whatever it holds
    "http://[::ffff:0:7f00:1]/",  # IPv4-translated
    "http://2130706433/",  # decimal 127.0.0.1
    "http://3232235521/",  # decimal 192.168.0.1
    "http://0177.0.0.1/",  # octal
    "http://017700000001/",
    "http://0x7f.0.0.1/",  # hex
    "http://0x7f000001/",
    "http://127.1/",  # short forms
    "http://10.1/",
    "http://0/",
    "http://127.0.0.1./",  # trailing dot
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[fe80::1%25eth0]/",  # link-local with a zone
    "http://169.254.1.1/",
    "http://100.64.0.1/",  # CGNAT
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://198.18.0.1/",  # benchmarking
    "http://[2001:db8::1]/",  # documentation
    "http://[100::1]/",  # discard
    "http://[fec0::1]/",  # site-local
    "http://1.2.3.4.5/",  # not an address, and not a name either
    "http://0x1ffffffff/",
    "http://256.1.1.1/",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_other_spellings_of_private_and_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(BlockedAddress) as caught:
        await check_outbound_url(url)
    assert caught.value.reason_zh and caught.value.reason_en


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/",
        "http://134744072/",
        "http://0x08080808/",
        "http://[2606:4700::1111]/",
        "http://[2002:808:808::]/",
        "http://[64:ff9b::808:808]/",
        "http://[::ffff:8.8.8.8]/",
    ],
)
async def test_public_addresses_in_any_spelling_are_allowed(url: str) -> None:
    await check_outbound_url(url)


def test_numeric_hosts_are_read_as_the_addresses_resolvers_make_of_them() -> None:
    v4 = ipaddress.IPv4Address
    assert ip_literal("2130706433") == v4("127.0.0.1")
    assert ip_literal("0177.0.0.01") == v4("127.0.0.1")
    assert ip_literal("0x7f.1") == v4("127.0.0.1")
    assert ip_literal("10.1.258") == v4("10.1.1.2")
    assert ip_literal("example.org") is None and ip_literal("1e100.net") is None


def test_a_wrapped_loopback_address_follows_the_loopback_setting() -> None:
    policy = OutboundPolicy(allow_loopback=True)
    assert not policy.forbidden(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not policy.forbidden(ipaddress.ip_address("2002:7f00:1::"))
    assert policy.forbidden(ipaddress.ip_address("2002:a00:1::"))
    assert not OutboundPolicy.of(allow_networks=["10.0.0.0/8"]).forbidden(
        ipaddress.ip_address("64:ff9b::a00:1")
    )


async def test_a_refusal_names_the_wrapped_address() -> None:
    with pytest.raises(BlockedAddress) as caught:
        await check_outbound_url("http://[2002:7f00:1::]/")
    assert "127.0.0.1" in caught.value.reason_zh and "127.0.0.1" in caught.value.reason_en
