"""The pure parser against independent counts on the real logs and crafted lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from stats.logparse import bots
from stats.logparse.bots import bot_detector
from stats.logparse.clients import client_digest
from stats.logparse.rules import DownloadRules, bioconductor_rules
from stats.logparse.shard import Scanner, count_lines, parse_shard
from tests.logparse.expected import expected_counts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
TOP_DIR = r"^/(?P<package>[A-Za-z0-9._-]+)/"

REAL_LOGS = {
    "elastic_apache_logs.log.gz": ("UTC", {"presentations", "images", "blog", "files"}),
    "nasa_jul95_xaa.log.gz": ("America/New_York", {"shuttle", "history", "images", "software"}),
    "secrepo_access-2018-12-15.log.gz": ("America/Los_Angeles", {"self.logs", "robots.txt"}),
}


def _rules(manifest: set[str], timezone: str) -> DownloadRules:
    return DownloadRules(
        download_regex=TOP_DIR,
        statuses=frozenset({200, 206, 304}),
        methods=frozenset({"GET"}),
        manifest=dict.fromkeys(manifest, ""),
        timezone=timezone,
        client_key=b"test-key",
    )


@pytest.mark.parametrize("name", sorted(REAL_LOGS))
def test_real_log_counts_match_independent_regex_count(name: str) -> None:
    timezone, manifest = REAL_LOGS[name]
    data = gzip.decompress((FIXTURES / name).read_bytes())
    expected = expected_counts(
        data.decode("utf-8", "replace"),
        path_regex=TOP_DIR,
        statuses={200, 206, 304},
        methods={"GET"},
        manifest=manifest,
        timezone=timezone,
    )
    result = parse_shard(data, _rules(manifest, timezone))
    assert result.lines == expected.lines
    assert result.malformed == expected.malformed
    assert result.downloads == expected.downloads > 0
    assert result.bots == expected.bots
    assert result.unknown == expected.unknown
    got_days = {(p, d): f.downloads for (_c, p, d), f in result.facts.items() if f.downloads}
    assert got_days == dict(expected.per_day)
    got_clients = {(p, d): len(f.clients) for (_c, p, d), f in result.facts.items()}
    assert got_clients == {k: len(v) for k, v in expected.clients.items()}


def test_real_log_line_counts_from_sources_md() -> None:
    elastic = gzip.decompress((FIXTURES / "elastic_apache_logs.log.gz").read_bytes())
    nasa = gzip.decompress((FIXTURES / "nasa_jul95_xaa.log.gz").read_bytes())
    result = parse_shard(elastic, _rules(set(), "UTC"))
    assert (result.lines, result.malformed) == (10_000, 1)  # line 8899, a cut-off agent
    assert "Googlebot" in result.malformed_samples[0]
    nasa_result = parse_shard(nasa, _rules(set(), "UTC"))
    assert (nasa_result.lines, nasa_result.malformed) == (13_376, 0)  # no final newline


LINE = '{host} - - [{time}] "GET {path} HTTP/1.1" {status} 1234 "-" "{agent}"{tail}'
R_AGENT = "R (4.4.1 x86_64-pc-linux-gnu x86_64 linux-gnu)"


def _line(
    path: str,
    *,
    host: str = "10.0.0.1",
    time: str = "15/Mar/2024:10:00:00 +0000",
    status: int = 200,
    agent: str = R_AGENT,
    tail: str = "",
) -> str:
    return LINE.format(host=host, time=time, path=path, status=status, agent=agent, tail=tail)


@pytest.fixture
def bioc() -> DownloadRules:
    return bioconductor_rules(
        manifest={"DESeq2": "bioc", "limma": "bioc", "org.Hs.eg.db": "annotation"},
        client_key=b"k",
    )


def test_bioconductor_rules_count_downloads_not_pages(bioc: DownloadRules) -> None:
    lines = [
        _line("/packages/3.19/bioc/src/contrib/DESeq2_1.44.0.tar.gz"),
        _line("/packages/3.19/bioc/bin/windows/contrib/4.4/DESeq2_1.44.0.zip", host="10.0.0.2"),
        _line("/packages//3.19/data/annotation/src/contrib/org.Hs.eg.db_3.19.1.tar.gz"),
        _line("/packages/3.19/bioc/html/DESeq2.html"),
        _line("/packages/3.19/bioc/src/contrib/DESeq2_1.44.0.tar.gz", status=404),
        _line("/packages/3.19/bioc/src/contrib/DESeq2_1.44.0.tar.gz", status=302),
        _line("/packages/3.19/bioc/src/contrib/Unknown_1.0.tar.gz"),
        _line("/packages/3.19/data/annotation/src/contrib/limma_1.0.tar.gz"),  # wrong category
        _line("/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz?x=1", agent="Googlebot/2.1"),
    ]
    result = parse_shard("\n".join(lines).encode(), bioc)
    facts = {(c, p): f for (c, p, _d), f in result.facts.items()}
    assert facts["bioc", "DESeq2"].downloads == 3
    assert len(facts["bioc", "DESeq2"].clients) == 2
    assert dict(facts["bioc", "DESeq2"].versions) == {"1.44.0": 3}
    assert facts["annotation", "org.Hs.eg.db"].downloads == 1
    assert dict(facts["annotation", "org.Hs.eg.db"].versions) == {"3.19.1": 1}
    assert result.downloads == 4
    assert result.unknown == 2
    assert dict(result.unknown_names) == {("bioc", "Unknown"): 1, ("annotation", "limma"): 1}
    assert result.bots == 1
    assert result.malformed == 0


def test_real_world_line_shapes(bioc: DownloadRules) -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    lines = [
        _line(path, host="2001:db8::1"),  # IPv6
        _line(path, host="unicomp6.unicomp.net"),  # host name instead of an address
        _line(path, host="10.0.0.9", tail=" "),  # trailing space
        _line(path, host="10.0.0.8", agent=r"Mozilla/5.0 \"quoted\" R"),  # escaped quotes
        '10.0.0.7 - - [15/Mar/2024:10:00:00 +0000] "GET ' + path + ' HTTP/1.0" 200 -',  # CLF
        _line(path)[:60],  # cut-off line
        "",  # blank line
        "complete garbage",
        _line(path, time="15/Foo/2024:10:00:00 +0000"),  # month that does not exist
    ]
    result = parse_shard("\n".join(lines).encode(), bioc)
    (facts,) = result.facts.values()
    assert facts.downloads == 5
    assert len(facts.clients) == 5
    assert result.lines == 9
    assert result.malformed == 4
    assert len(result.malformed_samples) == 4
    assert "15/Foo/2024" in result.malformed_samples[-1]


def test_days_are_counted_in_the_registry_timezone() -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    data = "\n".join(
        [
            _line(path, time="15/Mar/2024:23:30:00 +0000"),
            _line(path, time="15/Mar/2024:20:30:00 -0400"),  # 00:30 UTC on the 16th
        ]
    ).encode()
    utc = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k")
    tokyo = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k", timezone="Asia/Tokyo")
    assert sorted(str(d) for (_c, _p, d) in parse_shard(data, utc).facts) == [
        "2024-03-15",
        "2024-03-16",
    ]
    assert [str(d) for (_c, _p, d) in parse_shard(data, tokyo).facts] == ["2024-03-16"]


def test_mirrors_are_tagged_not_counted_as_users() -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    rules = bioconductor_rules(
        manifest={"limma": "bioc"}, client_key=b"k", mirror_patterns=(r"^mirror\.", "rsync")
    )
    data = "\n".join(
        [_line(path), _line(path, host="mirror.example.org"), _line(path, agent="rsync/3.2")]
    ).encode()
    result = parse_shard(data, rules)
    (facts,) = result.facts.values()
    assert (facts.downloads, facts.mirror_downloads, len(facts.clients)) == (1, 2, 1)
    assert (result.downloads, result.mirror_downloads) == (1, 2)


def test_curator_bot_patterns_and_package_managers() -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    rules = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k", bot_patterns=("Scan",))
    agents = [R_AGENT, "curl/8.5.0", "Mozilla/5.0 (compatible; bingbot/2.0)", "MyScanner 1.0"]
    data = "\n".join(_line(path, host=f"10.0.0.{i}", agent=a) for i, a in enumerate(agents))
    result = parse_shard(data.encode(), rules)
    assert (result.downloads, result.bots) == (2, 2)


@pytest.mark.parametrize("scanner", [Scanner.NATIVE, Scanner.POLARS])
def test_lines_without_user_agent_count_beside_bots_and_mirrors(scanner: Scanner) -> None:
    """Common-format lines (no agent) in a shard with bot and mirror agents still count."""
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    rules = bioconductor_rules(
        manifest={"limma": "bioc"}, client_key=b"k", mirror_patterns=("rsync",)
    )
    common = f'10.0.0.9 - - [15/Mar/2024:10:00:00 +0000] "GET {path} HTTP/1.1" 200 5'
    data = "\n".join(
        [common, _line(path, agent="Googlebot/2.1"), _line(path, agent="rsync/3.2"), common]
    ).encode()
    result = parse_shard(data, rules, scanner=scanner)
    assert (result.downloads, result.bots, result.mirror_downloads) == (2, 1, 1)


def test_bot_verdicts_outlive_a_shard_per_set_of_curator_patterns() -> None:
    scanning = bot_detector(("Scan",))
    assert bot_detector(("Scan",)) is scanning  # the next shard asks the same detector
    assert bot_detector(()) is not scanning
    assert scanning.is_bot("MyScanner 1.0") and not bot_detector(()).is_bot("MyScanner 1.0")
    assert bot_detector(()).is_bot("Mozilla/5.0 (compatible; bingbot/2.0)")


def test_clients_are_keyed_hashes_never_addresses() -> None:
    digest = client_digest(b"secret", "10.0.0.1")
    assert len(digest) == 16
    assert digest != client_digest(b"other", "10.0.0.1")
    assert b"10.0.0.1" not in digest


def test_count_lines() -> None:
    assert count_lines(b"") == 0
    assert count_lines(b"a\nb\n") == 2
    assert count_lines(b"a\nb") == 2
    assert count_lines(b"\n\n") == 2


def test_shard_results_merge_exactly(bioc: DownloadRules) -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    lines = [_line(path, host=f"10.0.0.{i % 7}") for i in range(40)] + ["bad"] * 3
    whole = parse_shard("\n".join(lines).encode(), bioc)
    first = parse_shard("\n".join(lines[:17]).encode(), bioc)
    first.merge(parse_shard("\n".join(lines[17:]).encode(), bioc))
    assert (first.lines, first.malformed, first.downloads) == (43, 3, 40)
    assert (whole.lines, whole.malformed, whole.downloads) == (43, 3, 40)
    assert {k: (f.downloads, f.clients) for k, f in first.facts.items()} == {
        k: (f.downloads, f.clients) for k, f in whole.facts.items()
    }
    assert first.facts == whole.facts  # versions and mirror downloads too
    assert first.tables == whole.tables


@pytest.mark.parametrize(
    ("regex", "prefix"),
    [
        (r"^/self\.logs/(?P<package>access)\.log", "/self.logs/"),
        (r"^/dl/(?P<package>[a-z]+)\.tgz$", "/dl/"),
        (r"^/(?P<package>[^/]+)/", None),
        (r"^/ab?/(?P<package>x)", "/a"),
        (r"^/abc/(?P<package>x)|^/def/(?P<package2>y)", None),
        (r"/files/(?P<package>x)", None),
        (r"^/files+/(?P<package>x)", "/files"),
    ],
)
def test_literal_prefix_is_safe(regex: str, prefix: str | None) -> None:
    from stats.logparse.rules import literal_prefix

    assert literal_prefix(regex) == prefix


def test_nul_and_control_bytes_are_kept_in_their_lines(bioc: DownloadRules) -> None:
    path = "/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz"
    lines = [
        "\x00\x01\x02",
        _line(path, agent="R\x00 (4.4.1)"),  # a NUL inside a quoted field: still valid
        _line(path, host="10.0.0.2") + "\x00junk",  # a valid line with NUL junk after it
        _line("/packages/3.19/bioc/src/contrib/li\x00mma_3.60.0.tar.gz", host="10.0.0.3"),
    ]
    result = parse_shard("\n".join(lines).encode(), bioc)
    assert (result.lines, result.malformed, result.downloads, result.unknown) == (4, 2, 1, 1)
    assert "\x00" not in "".join(result.malformed_samples)  # PostgreSQL stores no NUL
    assert result.unknown_names == {("bioc", "li\ufffdmma"): 1}


def test_only_the_head_of_a_long_agent_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    """crawlerdetect's time grows with the square of an agent's length (~200 s for 64 KiB):
    one such line per distinct agent stalled a shard."""
    judged: list[int] = []
    detector = bots._detector()
    crawler = detector.isCrawler
    monkeypatch.setattr(
        detector, "isCrawler", lambda agent: judged.append(len(agent)) or crawler(agent)
    )
    detecting = bots.BotDetector()
    assert detecting.is_bot("Mozilla/5.0 (compatible; bingbot/2.0) " + "x" * 65_536)
    assert not detecting.is_bot("Mozilla/5.0 (X11; Linux x86_64) " + "y" * 65_536)
    assert judged == [bots.AGENT_CHARS_JUDGED, bots.AGENT_CHARS_JUDGED]
