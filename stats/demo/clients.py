"""Pools of demo clients: addresses, roles, user agents, and Zipf-like activity.

A client keeps its address and agent for the whole run, and busy clients are drawn far
more often than the long tail, so clients come back on many days and distinct clients
stay well below downloads, as in real logs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import Any

from stats.demo import vocab
from stats.demo.sampling import weighted_stream, zipf_weights


class Role(StrEnum):
    """Who sends a request; decides the agent and what is requested."""

    R = "r"  # R itself (install.packages / BiocManager::install)
    TOOL = "tool"  # r-curl / httr from R scripts: not bots
    BROWSER = "browser"
    BOT = "bot"


class RMode(StrEnum):
    """Which R a client runs relative to the newest R at the request date."""

    LATEST = "latest"
    LAG1 = "lag1"
    LAG2 = "lag2"
    LAG3 = "lag3"
    DEVEL = "devel"


R_MODE_WEIGHTS: tuple[tuple[RMode, int], ...] = (
    (RMode.LATEST, 55),
    (RMode.LAG1, 25),
    (RMode.LAG2, 12),
    (RMode.LAG3, 5),
    (RMode.DEVEL, 3),
)

ADDRESS_KIND_WEIGHTS: tuple[tuple[str, int], ...] = (("ipv4", 85), ("ipv6", 10), ("host", 5))


@dataclass(slots=True)
class Client:
    """One demo client; ``prefix`` is the rendered start of its log lines."""

    role: Role
    host: str
    prefix: str
    agent: str
    os: str = "src"
    mode: RMode = RMode.LATEST
    tail: str = ""  # '"referer" "agent"\n' when it does not change with the date
    setup: tuple[str, str] = ("latest", "src")  # (mode, os): the R view key of a day


@dataclass(slots=True)
class ClientPool:
    """Clients of one role with Zipf weights: the first clients are the busiest."""

    clients: list[Client]
    weights: list[float]

    def stream(self, rng: random.Random) -> Iterator[Client]:
        """Endless weighted draws of this pool's clients."""
        return weighted_stream(rng, self.clients, self.weights)


def _cum(pairs: Sequence[tuple[object, int]]) -> tuple[list[Any], list[int]]:
    return [v for v, _ in pairs], list(accumulate(w for _, w in pairs))


def make_addresses(rng: random.Random, count: int) -> list[str]:
    """IPv4 and IPv6 addresses and reverse-DNS host names, as Apache logs them."""
    kinds, kind_cum = _cum(ADDRESS_KIND_WEIGHTS)
    firsts, bits = vocab.IPV4_FIRST, rng.getrandbits
    out: list[str] = []
    for kind in rng.choices(kinds, cum_weights=kind_cum, k=count):
        a = firsts[bits(16) % len(firsts)]
        b, c, d = bits(8), bits(8), 1 + bits(8) % 254
        if kind == "ipv4":
            out.append(f"{a}.{b}.{c}.{d}")
        elif kind == "ipv6":
            prefix = vocab.IPV6_PREFIXES[bits(8) % len(vocab.IPV6_PREFIXES)]
            out.append(f"{prefix}:{bits(16):x}::{1 + bits(16) % 0xFFFF:x}")
        else:
            shape = vocab.HOST_SHAPES[bits(8) % len(vocab.HOST_SHAPES)]
            out.append(shape.format(a=a, b=b, c=c, d=d))
    return out


def make_clients(rng: random.Random, role: Role, count: int) -> list[Client]:
    """``count`` clients of one role, each with a fixed address and agent (or R setup)."""
    hosts = make_addresses(rng, count)
    if role is Role.R:
        oses, os_cum = _cum([(key, w) for key, w, _ in vocab.R_PLATFORMS])
        modes, mode_cum = _cum(R_MODE_WEIGHTS)
        os_draws = rng.choices(oses, cum_weights=os_cum, k=count)
        mode_draws = rng.choices(modes, cum_weights=mode_cum, k=count)
        return [
            Client(role, h, f"{h} - - [", "", o, m, "", (m.value, o))
            for h, o, m in zip(hosts, os_draws, mode_draws, strict=True)
        ]
    if role is Role.TOOL:
        agents = [rng.choice(vocab.R_TOOL_AGENTS) for _ in range(count)]
    else:
        values, cum = _cum(vocab.BOT_AGENTS if role is Role.BOT else vocab.BROWSER_AGENTS)
        agents = rng.choices(values, cum_weights=cum, k=count)
    return [Client(role, h, f"{h} - - [", a) for h, a in zip(hosts, agents, strict=True)]


# Largest pool of one role: keeps memory flat for very long runs (10M lines and more).
POOL_CAP = 150_000
# Pool size per role: one client per this many requested lines, a floor, a Zipf exponent.
POOL_SHAPES: dict[Role, tuple[int, int, float]] = {
    Role.R: (15, 30, 0.75),
    Role.TOOL: (150, 10, 0.75),
    Role.BROWSER: (25, 20, 0.6),
    Role.BOT: (2000, 12, 1.0),
}


def make_pools(rng: random.Random, lines: int) -> dict[Role, ClientPool]:
    """All client pools for a run of ``lines`` lines; deterministic for the rng state."""
    pools: dict[Role, ClientPool] = {}
    for role, (divisor, floor, exponent) in POOL_SHAPES.items():
        count = min(POOL_CAP, max(floor, lines // divisor))
        clients = make_clients(rng, role, count)
        pools[role] = ClientPool(clients, zipf_weights(count, exponent))
    return pools
