"""SM2 keys and signature nonces come from the OS's CSPRNG, never from Python's `random`
(gmssl's own helper uses it: its output is predictable, and a predictable nonce gives
away the private key). Resetting `random` to the same state must not repeat a nonce."""

from __future__ import annotations

import random

from ronghub_sdk import sm2 as feed_sm2

from plugins.emergency import signing as broadcast_sm2


def test_signatures_and_keys_do_not_depend_on_pythons_random_state() -> None:
    private, public = feed_sm2.new_key()
    random.seed(1)
    first = feed_sm2.sign(b"feed", private, public)
    random.seed(1)
    second = feed_sm2.sign(b"feed", private, public)
    assert first != second  # fresh nonces
    assert feed_sm2.verify(b"feed", first, public) and feed_sm2.verify(b"feed", second, public)
    random.seed(2)
    a = feed_sm2.new_key()
    random.seed(2)
    assert feed_sm2.new_key() != a


def test_broadcast_signatures_do_not_depend_on_pythons_random_state() -> None:
    key = broadcast_sm2.new_private_key()
    random.seed(3)
    first = broadcast_sm2.sign(b"EBD", key)
    random.seed(3)
    second = broadcast_sm2.sign(b"EBD", key)
    public = broadcast_sm2.public_key_for(key)
    assert (
        first != second
        and broadcast_sm2.verify(b"EBD", first, public)
        and broadcast_sm2.verify(b"EBD", second, public)
    )


def test_scalars_are_in_the_curve_order_range() -> None:
    for value in (int(feed_sm2.secure_scalar_hex(), 16) for _ in range(200)):
        assert 1 <= value < feed_sm2.N


def test_the_digest_is_gmssls_and_signatures_interoperate_both_ways() -> None:
    """The SDK hashes with OpenSSL's SM3 (gmssl's pure-Python one took most of a
    signature's CPU): same digest, and each side verifies the other's signatures."""
    from gmssl import sm2 as gmssl_sm2
    from ronghub_sdk import sm2

    # GB/T 32905 example 1
    assert (
        sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    private, public = sm2.new_key()
    theirs = gmssl_sm2.CryptSM2(private_key=private, public_key=public)
    for data in (b"", "应急广播 EBD 包".encode() * 300):
        assert sm2.digest(data, public).hex() == theirs._sm3_z(data)
        ours = sm2.sign(data, private)
        assert theirs.verify_with_sm3(ours.hex(), data)
        foreign = bytes.fromhex(theirs.sign_with_sm3(data, sm2.secure_scalar_hex()))
        assert sm2.verify(data, foreign, public)
        assert not sm2.verify(data + b"!", foreign, public)
        assert not sm2.verify(data, ours, sm2.new_key()[1])


# a key pair whose public point begins with 04 (found by trying keys): gmssl's constructor
# strips leading 0s and 4s from such a key
KEY_04 = "4c565f8982cb34670c6e5868334e0015ef2ee6ab13a1e9cded5e893281525bd3"
PUBLIC_04 = (
    "0487cf14e680051e341007e147724d11e40ba942b192cab65f89476f12f5e75a"
    "b4d00bbc3b1dc980c1b1713d82d6961b0b49315486b1970d903440a011a10e7d"
)


def test_a_public_key_beginning_with_04_signs_and_verifies_and_refuses_others() -> None:
    assert feed_sm2.public_key(KEY_04) == PUBLIC_04
    signature = feed_sm2.sign(b"data", KEY_04, PUBLIC_04)
    assert feed_sm2.verify(b"data", signature, PUBLIC_04)
    assert not feed_sm2.verify(b"data!", signature, PUBLIC_04)
    other_private, other_public = feed_sm2.new_key()
    assert not feed_sm2.verify(b"data", signature, other_public)
    assert not feed_sm2.verify(
        b"data", feed_sm2.sign(b"data", other_private, other_public), PUBLIC_04
    )
