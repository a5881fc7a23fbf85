"""The site's guards: form tokens against cross-site requests, links compared in constant time,
attempts rate-limited, and which hosts may be served without saying the site is open."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from quizgen.web.store import Store

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.0.0.0/8, ::1, localhost)?"""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A private link's secret: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def find_token(given: str, known: Iterable[tuple[str, str]]) -> str | None:
    """The owner of a link token, comparing with every known token in constant time (no early
    exit, so the time taken says nothing about how much of a token was right)."""
    owner = None
    for token, name in known:
        if hmac.compare_digest(given.encode(), token.encode()):
            owner = name
    return owner


Owner = TypeVar("Owner")


class TokenIndex(Generic[Owner]):
    """Owners by the token of their link, found in one step however many there are (a class
    of 200 compared token by token cost every request a millisecond): looked up by the token's
    SHA-256, whose value a guesser cannot steer towards a real token, so the lookup's time
    tells nothing about how much of a token was right; then compared in constant time."""

    def __init__(self, owners: Mapping[str, Owner]) -> None:
        self._by_digest = {_digest(token): (token, owner) for token, owner in owners.items()}

    def find(self, given: str) -> Owner | None:
        token, owner = self._by_digest.get(_digest(given), ("", None))
        return owner if hmac.compare_digest(given.encode(), token.encode()) else None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class FormTokens:
    """Tokens for the site's forms: ``nonce.mac`` where the MAC binds the nonce to whom the page
    was for, under the class's secret (kept in its folder, so a form from before a restart is
    still good, and every worker accepts every other's). A form posted from another site cannot
    carry one (it cannot read our pages), and one learner's token is no good on another's."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _mac(self, nonce: str, scope: str) -> str:
        message = f"{scope}\x00{nonce}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, scope: str) -> str:
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(nonce, scope)}"

    def valid(self, token: str | None, scope: str) -> bool:
        if not token or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        return hmac.compare_digest(mac.encode(), self._mac(nonce, scope).encode())


@dataclass(frozen=True)
class RateLimit:
    """A token bucket per key (a link): ``burst`` attempts at once, refilled at
    ``per_second``. The buckets live in the store, so every process shares them and a restart
    does not refill them."""

    per_second: float = 4.0
    burst: int = 20

    def allow(self, store: Store, key: str) -> bool:
        return store.take(key, self.per_second, self.burst)
