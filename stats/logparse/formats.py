"""Common and Combined Log Format, as regexes for polars (Rust syntax) and Python."""

from __future__ import annotations

import re
from datetime import datetime

# One quoted field: anything but an unescaped quote (user agents contain \" escapes).
_QUOTED_NC = r'"(?:[^"\\]|\\.)*"'
_TIME_NC = r"\[\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]"

#: Matches a whole valid line (Common, or Combined with referer and user agent);
#: trailing white space is allowed because real servers write it.
VALID_LINE = (
    rf"^\S+ \S+ \S+ {_TIME_NC} {_QUOTED_NC} \d{{3}} (?:\d+|-)"
    rf"(?: {_QUOTED_NC} {_QUOTED_NC})?\s*$"
)

#: Host, time, method, path (without query string) and status of a valid line. The path
#: reads escapes in pairs as VALID_LINE does: a backslash before a quote (or a space, ?
#: or #) ends it, so that ``\"`` never closes the request early (its status is the line's).
REQUEST_FIELDS = (
    r"^(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<path>(?:[^ ?#"\\]|\\[^ ?#"])*)(?:[^"\\]|\\.)*" (?P<status>\d{3}) '
)

#: The user agent: the last quoted field of a Combined line (none in Common format).
AGENT_FIELD = r'"((?:[^"\\]|\\.)*)"\s*$'

TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"

_TIME_IN_LINE = re.compile(rb"\[(\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]")


def line_time(line: bytes) -> datetime | None:
    """The aware timestamp of one raw line, or None when it has none that parses."""
    match = _TIME_IN_LINE.search(line)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1).decode("ascii"), TIME_FORMAT)
    except ValueError:
        return None
