"""The plan of a fill: who is popular, when each package is downloaded, and by which clients.

Deterministic from the seed, so that a later run (--reuse) rebuilds the same plan from
the database, and the check can replay the fill's draws as facts.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
from dataclasses import dataclass
from typing import Any

from pyroaring import BitMap

END = dt.date(2025, 6, 15)  # mid-month, so last-month spans two months as it usually does
DENSITY_BITS = 2  # masks keep 1 id in 2**2
MASKS = 16
TOP_DAILY_CLIENTS = 4000  # Zipf constant: rank r gets about 4000 / (r + 3) clients a day
IDS_PER_DAY = 400  # new client ids a day at full scale
_masks: list[BitMap] = []


def release_date(number: int) -> dt.date:
    """Approximate release day of Bioconductor ``number`` (302 = 3.2): two releases a year."""
    major, minor = divmod(number, 100)
    first = {1: dt.date(2002, 5, 1), 2: dt.date(2007, 4, 26)}.get(major, dt.date(2014, 10, 14))
    return first + dt.timedelta(days=round(minor * 182.6))


@dataclass(frozen=True, slots=True)
class PlanPackage:
    id: int
    category_id: int
    rank: int
    clients: float  # expected distinct clients a weekday at the end of the plan
    released: int  # day index of its first release (negative: before the plan starts)
    first: int  # first and last day index with downloads (0 = plan start)
    last: int
    offset: int  # where its clients sit around the moving centre of the id space
    spread: int  # half-width of its pool of client ids


@dataclass(frozen=True)
class Plan:
    start: dt.date
    days: int  # day indexes 0 .. days-1 are history; index ``days`` is the refresh day
    ids_per_day: float
    max_id: int
    seed: int
    packages: tuple[PlanPackage, ...]

    def day(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)


def make_plan(
    manifest: list[Any], ids: dict[str, tuple[int, int]], *, years: int, scale: float, seed: int
) -> Plan:
    """Who is popular and when each package is downloaded; ``ids``: name -> (id, category)."""
    from stats.demo import vocab

    rng = random.Random(seed)
    start = END.replace(year=END.year - years) + dt.timedelta(days=1)
    days = (END - start).days + 1
    popular = [n for n in vocab.POPULAR if n in ids]
    rest = sorted(n for n in ids if n not in set(popular))
    rng.shuffle(rest)
    rank = {name: r for r, name in enumerate(popular + rest, start=1)}
    rate = IDS_PER_DAY * scale
    packages = []
    for row in manifest:
        if row.name not in ids:
            continue
        first = (release_date(row.first_version) - start).days + rng.randrange(0, 30)
        last = (
            days + 366
            if row.last_version is None
            else ((release_date(row.last_version) - start).days + 183)
        )
        if last < 0 or first > days:
            continue
        width = (TOP_DAILY_CLIENTS / (rank[row.name] + 3)) * (1 << DENSITY_BITS)
        packages.append(
            PlanPackage(
                id=ids[row.name][0],
                category_id=ids[row.name][1],
                rank=rank[row.name],
                clients=TOP_DAILY_CLIENTS / (rank[row.name] + 3),
                released=first,
                first=max(first, 0),
                last=last,
                offset=rng.randrange(-int(50 * rate), int(50 * rate) + 1),
                spread=int(max(10 * width, 100 * rate)),
            )
        )
    margin = max(p.spread for p in packages) + int(50 * rate) + 1
    max_id = int((days + 1) * rate) + 2 * margin
    return Plan(start, days, rate, max_id, seed, tuple(packages))


def _random_mask(rng: random.Random, containers: int) -> BitMap:
    """Ids with probability 1/4 each, built as serialised bitset containers (fast)."""
    header, data = [], []
    for key in range(containers):
        bits = -1
        for _ in range(DENSITY_BITS):
            bits &= int.from_bytes(rng.randbytes(8192), "little")
        header.append(struct.pack("<HH", key, bits.bit_count() - 1))
        data.append(bits.to_bytes(8192, "little"))
    head = struct.pack("<II", 12346, containers) + b"".join(header)
    base = len(head) + 4 * containers
    offsets = b"".join(struct.pack("<I", base + 8192 * i) for i in range(containers))
    return BitMap.deserialize(head + offsets + b"".join(data))


def masks(plan: Plan) -> list[BitMap]:
    if not _masks:
        rng = random.Random(plan.seed * 7919)
        containers = plan.max_id // 65536 + 1
        _masks.extend(_random_mask(rng, containers) for _ in range(MASKS))
    return _masks


def version_step(package: PlanPackage, index: int) -> int:
    """Which version a package is at on a day: one every quarter since its first release."""
    return (index - package.released) // 91


def version_label(step: int) -> str:
    """A minor bump every release (half a year), one patch in between."""
    return f"1.{2 * (step // 2)}.{step % 2}"


def day_rows(
    plan: Plan, index: int, rng: random.Random, packages: list[PlanPackage] | None = None
) -> list[tuple[PlanPackage, int, BitMap]]:
    """(package, downloads, clients) of every package downloaded on day ``index``."""
    mask_list = masks(plan)
    weekday = plan.day(index).weekday()
    level = (0.35 + 0.65 * index / plan.days) * (0.6 if weekday >= 5 else 1.0)
    origin = (plan.max_id - int(plan.days * plan.ids_per_day)) // 2
    centre = origin + int(index * plan.ids_per_day)
    rows = []
    for package in plan.packages if packages is None else packages:
        if not package.first <= index <= package.last:
            continue
        ramp = min(1.0, 0.1 + (index - package.first) / 120)
        expected = package.clients * level * ramp
        clients = expected * rng.lognormvariate(0, 0.3)
        if clients < 1:
            if rng.random() >= clients:
                continue
            clients = 1
        width = max(1, int(clients * (1 << DENSITY_BITS)))
        low = centre + package.offset - package.spread
        low += int(rng.random() * max(1, 2 * package.spread - width))
        low = min(max(low, 1), plan.max_id - width)
        ids = BitMap(range(low, low + width)) & mask_list[int(rng.random() * MASKS)]
        if not ids:
            ids = BitMap([low])
        count = len(ids)
        rows.append((package, count + int(count * rng.random() * 1.5), ids))
    return rows
