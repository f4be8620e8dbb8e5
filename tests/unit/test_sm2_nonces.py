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
    assert first != second and broadcast_sm2.verify(b"EBD", first, public) and broadcast_sm2.verify(b"EBD", second, public)


def test_scalars_are_in_the_curve_order_range() -> None:
    for value in (int(feed_sm2.secure_scalar_hex(), 16) for _ in range(200)):
        assert 1 <= value < feed_sm2.N
