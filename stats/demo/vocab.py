"""Fixed vocabularies of the demo logs: releases, user agents, site paths.

Strings are copied from what real Bioconductor and crawler traffic looks like, so the
demo exercises the same bot lists, regexes and edge cases as production logs.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class BiocRelease(NamedTuple):
    """A Bioconductor release: its number as in the manifest (319 = 3.19), R minor, date."""

    number: int
    r_minor: str
    released: date


# Release dates from bioconductor.org/about/release-announcements.
RELEASES: tuple[BiocRelease, ...] = (
    BiocRelease(312, "4.0", date(2020, 10, 28)),
    BiocRelease(313, "4.1", date(2021, 5, 20)),
    BiocRelease(314, "4.1", date(2021, 10, 27)),
    BiocRelease(315, "4.2", date(2022, 4, 27)),
    BiocRelease(316, "4.2", date(2022, 11, 2)),
    BiocRelease(317, "4.3", date(2023, 4, 26)),
    BiocRelease(318, "4.3", date(2023, 10, 25)),
    BiocRelease(319, "4.4", date(2024, 5, 1)),
    BiocRelease(320, "4.4", date(2024, 10, 30)),
    BiocRelease(321, "4.5", date(2025, 4, 16)),
    BiocRelease(322, "4.5", date(2025, 10, 30)),
)

# The last patch release of each R minor, as R clients report it in their user agent.
R_PATCH: dict[str, str] = {
    "4.0": "4.0.5",
    "4.1": "4.1.3",
    "4.2": "4.2.3",
    "4.3": "4.3.3",
    "4.4": "4.4.1",
    "4.5": "4.5.1",
}

# Operating systems of R clients: (key, weight, R platform triple as in the user agent).
R_PLATFORMS: tuple[tuple[str, int, str], ...] = (
    ("linux", 46, "x86_64-pc-linux-gnu x86_64 linux-gnu"),
    ("windows", 30, "x86_64-w64-mingw32 x86_64 mingw32"),
    ("mac-arm64", 16, "aarch64-apple-darwin20 arm64 darwin20"),
    ("mac-x86_64", 8, "x86_64-apple-darwin20 x86_64 darwin20"),
)

# R-side HTTP clients that are NOT bots, although generic lists flag some (r-curl, httr).
R_TOOL_AGENTS: tuple[str, ...] = (
    "libcurl/8.5.0 r-curl/5.2.1 httr/1.4.7",
    "libcurl/7.81.0 r-curl/5.2.0 httr/1.4.7",
    "libcurl/8.7.1 r-curl/5.2.3 httr2/1.0.1",
)

BROWSER_AGENTS: tuple[tuple[str, int], ...] = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        14,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", 12),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        10,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/125.0.0.0 Safari/537.36",
        12,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0", 8),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        4,
    ),
    # Escaped quotes inside a user agent, as Apache writes them.
    ('Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0; \\"Lab proxy\\")', 1),
    ("-", 1),
)

BOT_AGENTS: tuple[tuple[str, int], ...] = (
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 20),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html) Chrome/126.0.6478.126 Safari/537.36",
        12,
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 14),
    (
        "Mozilla/5.0 (compatible; SeznamBot/4.0; "
        "+https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)",
        6,
    ),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 10),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", 6),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", 6),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
        "+https://openai.com/gptbot)",
        6,
    ),
    ("Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)", 3),
    ("Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)", 3),
    ("python-requests/2.32.3", 8),
    ("Go-http-client/1.1", 3),
    ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", 3),
)

# Packages popular enough that they lead the Zipf ranking when in the manifest.
POPULAR: tuple[str, ...] = (
    "BiocVersion",
    "BiocGenerics",
    "S4Vectors",
    "GenomeInfoDbData",
    "IRanges",
    "GenomeInfoDb",
    "zlibbioc",
    "XVector",
    "Biobase",
    "GenomicRanges",
    "AnnotationDbi",
    "Biostrings",
    "limma",
    "SummarizedExperiment",
    "MatrixGenerics",
    "DelayedArray",
    "KEGGREST",
    "BiocParallel",
    "edgeR",
    "DESeq2",
    "org.Hs.eg.db",
    "GO.db",
    "Rhtslib",
    "Rsamtools",
    "GenomicAlignments",
    "rtracklayer",
    "BiocFileCache",
    "AnnotationHub",
    "ComplexHeatmap",
    "clusterProfiler",
)

# Requested like Bioconductor packages but not in the manifest (CRAN names, typos, private).
UNKNOWN_NAMES: tuple[str, ...] = (
    "BiocManager",
    "ggplot2",
    "Seurat",
    "dplyr",
    "limmma",
    "DESeq3",
    "MyLabTools",
    "biocLite",
    "Rcpp",
    "scRNAtoolkit",
)

SITE_PAGES: tuple[tuple[str, int], ...] = (
    ("/", 30),
    ("/install/", 12),
    ("/help/", 6),
    ("/about/", 3),
    ("/news/", 3),
    ("/packages/release/BiocViews.html", 10),
    ("/packages/release/bioc/", 5),
    ("/packages/release/data/annotation/", 2),
    ("/packages/release/data/experiment/", 2),
    ("/packages/release/workflows/", 1),
    ("/help/course-materials/", 2),
    ("/developers/", 2),
    ("/checkResults/release/bioc-LATEST/", 3),
    ("/robots.txt", 4),
    ("/sitemap.xml", 2),
)

ASSETS: tuple[tuple[str, int, int], ...] = (
    # (path, weight, size in bytes)
    ("/style/bioconductor.css", 20, 28311),
    ("/js/bioconductor.js", 14, 9120),
    ("/js/jquery.min.js", 14, 89476),
    ("/js/jquery.tools.min.js", 6, 22541),
    ("/images/logo/jpg/bioconductor_logo_rgb.jpg", 14, 18260),
    ("/images/icons/magnifier.gif", 6, 615),
    ("/favicon.ico", 12, 1150),
    ("/images/shields/availability/all.svg", 4, 992),
    ("/shields/build/release/bioc/{pkg}.svg", 5, 956),
    ("/shields/downloads/release/{pkg}.svg", 5, 988),
    ("/shields/years-in-bioc/{pkg}.svg", 3, 981),
)

# Requests by scanners and mistyped links, answered 404: (request line, weight).
NOT_FOUND: tuple[tuple[str, int], ...] = (
    ("GET /wp-login.php HTTP/1.1", 10),
    ("GET /.env HTTP/1.1", 8),
    ("GET /wp-admin/setup-config.php HTTP/1.1", 4),
    ("POST /xmlrpc.php HTTP/1.1", 3),
    ("GET /.git/config HTTP/1.1", 4),
    ("GET /phpmyadmin/index.php HTTP/1.1", 3),
    ("GET /packages/release/bioc/html/Limma.html HTTP/1.1", 4),
    ("GET /packages/3.19/bioc/src/contrib/ HTTP/1.1", 2),
    ("GET /apple-touch-icon.png HTTP/1.1", 6),
    ("GET /cgi-bin/luci/;stok=/locale HTTP/1.1", 2),
)

# Well-formed oddities Apache really writes: a TLS handshake sent to port 80, a timeout.
ODDITIES: tuple[str, ...] = (
    '"\\x16\\x03\\x01\\x00\\xf7\\x01\\x00\\x00\\xf3\\x03\\x03" 400 226',
    '"-" 408 -',
)

REFERERS: tuple[tuple[str, int], ...] = (
    ("-", 40),
    ("https://www.google.com/", 30),
    ("https://bioconductor.org/", 15),
    ("https://www.bing.com/", 5),
    ("https://github.com/", 4),
    ("https://duckduckgo.com/", 3),
    ("https://support.bioconductor.org/", 3),
)

# Reverse-DNS shapes of client host names: {a}.{b}.{c}.{d} are the address octets.
HOST_SHAPES: tuple[str, ...] = (
    "cpe-{a}-{b}-{c}-{d}.nyc.res.rr.com",
    "c-{a}-{b}-{c}-{d}.hsd1.ma.comcast.net",
    "ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com",
    "host-{a}-{b}-{c}-{d}.cable.virginm.net",
    "dslb-{a}-{b}-{c}-{d}.pools.arcor-ip.net",
    "{d}.{c}.{b}.{a}.dyn.plus.net",
)

IPV6_PREFIXES: tuple[str, ...] = (
    "2001:67c:2e8",
    "2a02:8108:1fc0",
    "2600:1700:5b0",
    "2804:14c:5b8",
    "2409:8a1e:6f40",
    "2a01:4f8:c17",
    "2001:470:1f0b",
)

# First octets of public IPv4 space seen often in access logs.
IPV4_FIRST: tuple[int, ...] = (
    3, 5, 13, 18, 23, 24, 31, 34, 35, 37, 41, 45, 46, 50, 52, 54, 62, 66, 67, 68, 69, 71,
    72, 73, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
    98, 99, 104, 107, 108, 109, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 128,
    129, 130, 131, 132, 134, 137, 138, 139, 140, 141, 142, 143, 144, 147, 149, 150, 151,
    152, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 169, 170, 171, 173,
    174, 175, 176, 178, 180, 182, 183, 185, 186, 187, 188, 189, 190, 193, 194, 195, 196,
    197, 199, 200, 201, 202, 203, 210, 211, 212, 213, 217, 218, 219, 220, 221, 222, 223,
)  # fmt: skip
