"""The demo log generator: deterministic, exact line counts, a realistic Bioconductor mix."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from stats.demo.logs import DemoLogOptions, DemoLogResult, iter_demo_lines, write_demo_logs
from stats.demo.traffic import MALFORMED_RATE, MIX, Kind
from tests.demo.logformat import (
    BOT_AGENT,
    COUNTED_STATUSES,
    bioc_download,
    parse,
    read_manifest,
)

SAMPLE = DemoLogOptions(lines=40_000, seed=7, start=date(2024, 3, 1), months=3)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoLogResult, list[str]]:
    result = write_demo_logs(tmp_path_factory.mktemp("demo"), SAMPLE)
    lines = [line for path in result.files for line in path.read_text().splitlines()]
    return result, lines


def _bytes(files: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in files]


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    options = DemoLogOptions(lines=3000, seed=5, months=2, gzip=True)
    first = write_demo_logs(tmp_path / "a", options)
    again = write_demo_logs(tmp_path / "b", options)
    other = write_demo_logs(tmp_path / "c", DemoLogOptions(lines=3000, seed=6, months=2, gzip=True))
    assert [p.name for p in first.files] == ["access-2024-01.log.gz", "access-2024-02.log.gz"]
    assert _bytes(first.files) == _bytes(again.files)
    assert [p.name for p in other.files] == [p.name for p in first.files]
    assert all(a != b for a, b in zip(_bytes(first.files), _bytes(other.files), strict=True))


@pytest.mark.parametrize(
    ("lines", "files", "months", "expected_files"),
    [(0, None, 2, 2), (1, 3, 1, 3), (10, 4, 1, 4), (12_345, None, 5, 5), (9_999, 7, 2, 7)],
)
def test_line_count_is_exact(
    tmp_path: Path, lines: int, files: int | None, months: int, expected_files: int
) -> None:
    result = write_demo_logs(tmp_path, DemoLogOptions(lines=lines, files=files, months=months))
    assert len(result.files) == expected_files
    data = b"".join(_bytes(result.files))
    assert data.count(b"\n") == lines == result.lines
    assert data == b"" or data.endswith(b"\n")
    if files:  # equal shares: sizes differ by at most one line
        counts = [p.read_bytes().count(b"\n") for p in result.files]
        assert max(counts) - min(counts) <= 1


def test_gzip_output_decompresses_to_the_plain_output(tmp_path: Path) -> None:
    options = DemoLogOptions(lines=5000, seed=3, months=2, files=3)
    plain = write_demo_logs(tmp_path / "plain", options)
    packed = write_demo_logs(
        tmp_path / "gz", DemoLogOptions(lines=5000, seed=3, months=2, files=3, gzip=True)
    )
    assert [p.name for p in packed.files] == [p.name + ".gz" for p in plain.files]
    for text, gz in zip(plain.files, packed.files, strict=True):
        assert gzip.decompress(gz.read_bytes()) == text.read_bytes()
    streamed = "".join(iter_demo_lines(options)).encode()
    assert streamed == b"".join(_bytes(plain.files))


def test_kinds_follow_the_documented_mix(sample: tuple[DemoLogResult, list[str]]) -> None:
    result, lines = sample
    assert sum(result.kinds.values()) == len(lines) == SAMPLE.lines
    for kind, per_10k in MIX.items():
        expected = SAMPLE.lines * per_10k / 10_000
        assert abs(result.kinds[kind.value] - expected) <= 5 * expected**0.5 + 2, kind


def test_the_text_has_a_realistic_mix(sample: tuple[DemoLogResult, list[str]]) -> None:
    _, lines = sample
    parsed = [m for m in map(parse, lines) if m]
    statuses = Counter(int(m.group(6)) for m in parsed)
    methods = Counter(m.group(5).split(" ", 1)[0] for m in parsed)
    hosts = [m.group(1) for m in parsed]
    agents = [m.group(9) for m in parsed]
    n = len(parsed)
    assert 0.75 < statuses[200] / n < 0.90
    assert 0.05 < statuses[304] / n < 0.12
    assert 0.015 < statuses[404] / n < 0.06
    assert statuses[301] + statuses[302] > 0.005 * n
    assert statuses[206] and statuses[400] and statuses[408] and statuses[500]
    assert 0.008 < methods["HEAD"] / n < 0.025
    assert 0.10 < sum(1 for a in agents if BOT_AGENT.search(a)) / n < 0.25
    assert 0.25 < sum(1 for a in agents if a.startswith("R (")) / n < 0.50
    assert any("r-curl" in a for a in agents)
    assert any('\\"' in a for a in agents)  # escaped quotes inside a user agent
    assert 0.05 < sum(1 for h in hosts if ":" in h) / n < 0.15  # IPv6
    assert 0.02 < sum(1 for h in hosts if h[-1].isalpha()) / n < 0.10  # host names
    assert len(set(hosts)) < n / 4  # clients come back


def test_downloads_of_manifest_packages_match_the_bioconductor_rule(
    sample: tuple[DemoLogResult, list[str]],
) -> None:
    result, lines = sample
    manifest = read_manifest()
    counted: Counter[str] = Counter()
    bots = unknown = bot_unknown = head = 0
    paths: Counter[str] = Counter()
    for match in filter(None, map(parse, lines)):
        request = match.group(5).split(" ")
        if len(request) != 3:  # "-" or a TLS handshake sent to port 80
            continue
        method, uri, _ = request
        found = bioc_download(uri)
        if method == "HEAD" and found and manifest.get(found[1]) == found[0]:
            head += 1
        if method != "GET" or found is None or int(match.group(6)) not in COUNTED_STATUSES:
            continue
        category, package = found
        if manifest.get(package) != category:
            if BOT_AGENT.search(match.group(9)):
                bot_unknown += 1
            else:
                unknown += 1
        elif BOT_AGENT.search(match.group(9)):
            bots += 1
        else:
            counted[package] += 1
            paths[uri.split("/")[4 if category in ("bioc", "workflows") else 5]] += 1
    assert sum(counted.values()) == result.downloads
    assert bots == result.bot_downloads
    assert unknown == result.unknown_downloads
    assert bot_unknown == result.bot_unknown
    assert head == result.head_downloads > 0
    assert 0.35 < result.downloads / SAMPLE.lines < 0.45
    assert {"src", "bin"} <= set(paths)
    assert {manifest[p] for p in counted} == {"bioc", "annotation", "experiment", "workflows"}
    # Skewed popularity: a long tail, but the top 1% of packages take a large share.
    ranked = [n for _, n in counted.most_common()]
    assert len(ranked) > 1500
    assert sum(ranked[: len(ranked) // 100]) > 0.25 * sum(ranked)
    assert counted.most_common(1)[0][1] < 0.1 * sum(ranked)


def test_distinct_clients_are_fewer_than_downloads_and_return_on_several_days(
    sample: tuple[DemoLogResult, list[str]],
) -> None:
    _, lines = sample
    days_by_host: dict[str, set[str]] = {}
    downloads = 0
    for match in filter(None, map(parse, lines)):
        request = match.group(5).split(" ")
        if len(request) == 3 and bioc_download(request[1]) and match.group(6) == "200":
            downloads += 1
            days_by_host.setdefault(match.group(1), set()).add(match.group(4)[:11])
    assert len(days_by_host) < 0.6 * downloads
    assert sum(1 for days in days_by_host.values() if len(days) >= 3) > 100


def test_malformed_lines_appear_at_the_documented_rate(
    sample: tuple[DemoLogResult, list[str]],
) -> None:
    result, lines = sample
    broken = [line for line in lines if parse(line) is None]
    assert len(broken) == result.malformed
    expected = SAMPLE.lines * MALFORMED_RATE
    assert expected / 2 < len(broken) < expected * 2
    assert result.kinds[Kind.MALFORMED.value] == len(broken)


def test_timestamps_are_in_order_across_the_months_with_the_offset(tmp_path: Path) -> None:
    options = DemoLogOptions(lines=6000, start=date(2024, 11, 15), months=3, utc_offset="-0800")
    result = write_demo_logs(tmp_path, options)
    assert [p.name for p in result.files] == [
        "access-2024-11.log",
        "access-2024-12.log",
        "access-2025-01.log",
        "access-2025-02.log",
    ]
    stamps = [
        datetime.strptime(m.group(4), "%d/%b/%Y:%H:%M:%S %z")
        for p in result.files
        for m in map(parse, p.read_text().splitlines())
        if m
    ]
    assert stamps == sorted(stamps)
    assert {s.utcoffset().total_seconds() for s in stamps} == {-8 * 3600}  # type: ignore[union-attr]
    assert stamps[0].date() >= date(2024, 11, 15) and stamps[-1].date() < date(2025, 2, 15)
    assert len({s.date() for s in stamps}) > 80  # every day or nearly has traffic


def test_days_put_all_lines_into_that_many_days(tmp_path: Path) -> None:
    options = DemoLogOptions(lines=3000, start=date(2024, 3, 1), days=2, files=1)
    result = write_demo_logs(tmp_path, options)
    stamps = [
        datetime.strptime(m.group(4), "%d/%b/%Y:%H:%M:%S %z")
        for m in map(parse, result.files[0].read_text().splitlines())
        if m
    ]
    assert result.lines == 3000
    assert {s.date() for s in stamps} == {date(2024, 3, 1), date(2024, 3, 2)}


def test_bad_options_are_refused() -> None:
    for bad in ({"lines": -1}, {"months": 0}, {"days": 0}, {"files": 0}, {"utc_offset": "UTC"}):
        with pytest.raises(ValueError):
            DemoLogOptions(**bad)  # type: ignore[arg-type]


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "import hashlib, sys\n"
        "from stats.demo.logs import DemoLogOptions, iter_demo_lines\n"
        "text = ''.join(iter_demo_lines(DemoLogOptions(lines=2000, seed=9, months=2)))\n"
        "sys.stdout.write(hashlib.sha256(text.encode()).hexdigest())\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    here = "".join(iter_demo_lines(DemoLogOptions(lines=2000, seed=9, months=2)))
    assert digests == {hashlib.sha256(here.encode()).hexdigest()}
