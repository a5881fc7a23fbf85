"""Seed derivation: one integer seed reproduces everything.

Children are keyed by stable names (topic, slot id, student id), never by position, so adding a
question or a student changes nobody else's numbers. String keys are hashed with BLAKE2b, which,
unlike Python's ``hash()``, is the same in every process and on every machine.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

SEED_BITS = 32


def fresh_seed() -> int:
    """A new random seed, for runs not given one (printed, so that they can be repeated)."""
    return secrets.randbelow(2**SEED_BITS)


def _key_int(key: str | int) -> int:
    if isinstance(key, int):
        if key < 0:
            raise ValueError(f"seed keys must be non-negative, got {key}")
        return key
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


def child_seed(root: int, *keys: str | int) -> int:
    """A 32-bit seed for the child of ``root`` named by ``keys``.

    >>> child_seed(1, "sigmoid", 0) == child_seed(1, "sigmoid", 0)
    True
    >>> child_seed(1, "sigmoid", 0) != child_seed(1, "sigmoid", 1)
    True
    """
    sequence = np.random.SeedSequence(root, spawn_key=tuple(_key_int(k) for k in keys))
    return int(sequence.generate_state(1, np.uint32)[0])


def rng_for(seed: int) -> np.random.Generator:
    """The generator that a problem with this seed is drawn from."""
    return np.random.default_rng(seed)
