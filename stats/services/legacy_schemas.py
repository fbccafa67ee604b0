"""What the legacy JSON and CSV files may hold: their schemas, with each value checked as
its database column holds it.

A value of the wrong type, or one its column cannot hold (counts beyond the integer
column, text longer than its column or holding NUL, which PostgreSQL refuses, infinite or
NaN numbers, which are not JSON when answered, days and times outside 1970..2999, which
pages step past), is refused with LegacyImportError naming its field
(``remote_workflows.0.forks_count``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from stats.selectors.periods import EARLIEST_DAY, LATEST_DAY

_Model = TypeVar("_Model", bound=BaseModel)

POSITIVE_INTEGER_MAX = 2**31 - 1
"""PositiveIntegerField's largest value on PostgreSQL (the stored counts)."""
BIG_INTEGER_MAX = 2**63 - 1
"""BigIntegerField's (GitHub ids, organisation metrics)."""
LATEST_TIMESTAMP = dt.datetime.combine(LATEST_DAY, dt.time.max, tzinfo=dt.UTC).timestamp()


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


def _supported_time(value: dt.datetime) -> dt.datetime:
    # Checked before any time zone conversion, which fails near year 1 and 9999.
    if not EARLIEST_DAY.year <= value.year <= LATEST_DAY.year:
        raise ValueError(f"must be in the years {EARLIEST_DAY.year}..{LATEST_DAY.year}")
    return value


# Text as its column holds it: no NUL, at most the CharField's max_length. The length is
# checked first: after a validator, pydantic calls it "items after validation", not characters.
Text = Annotated[str, AfterValidator(_no_nul)]
Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
Login = Annotated[str, StringConstraints(max_length=100), AfterValidator(_no_nul)]
Url = Annotated[str, StringConstraints(max_length=500), AfterValidator(_no_nul)]
Sha = Annotated[str, StringConstraints(max_length=64), AfterValidator(_no_nul)]
Count = Annotated[int, Field(ge=0, le=POSITIVE_INTEGER_MAX)]
BigCount = Annotated[int, Field(ge=0, le=BIG_INTEGER_MAX)]
GithubId = Annotated[int, Field(ge=-BIG_INTEGER_MAX - 1, le=BIG_INTEGER_MAX)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Timestamp = Annotated[float, Field(ge=0, le=LATEST_TIMESTAMP, allow_inf_nan=False)]
Time = Annotated[dt.datetime, AfterValidator(_supported_time)]


class LegacyImportError(ValueError):
    """A file the import cannot take; the message names the field."""


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ReleaseIn(_In):
    tag_name: Name
    published_at: Time | None = None
    tag_sha: Sha | None = None


class ContributorIn(_In):
    name: Login
    count: Count | None = None
    avatar_url: Url | None = None


class WorkflowIn(_In):
    name: Name
    id: GithubId | None = None
    description: Text | None = None
    html_url: Url | None = None
    created_at: Time | None = None
    pushed_at: Time | None = None
    archived: bool | None = None
    topics: list[Text] | None = None
    stargazers_count: Count | None = None
    forks_count: Count | None = None
    network_count: Count | None = None
    subscribers_count: Count | None = None
    open_issues_count: Count | None = None
    open_pr_count: Count | None = None
    contributors: list[ContributorIn] | None = None
    releases: list[ReleaseIn] | None = None


class PipelinesIn(_In):
    remote_workflows: list[WorkflowIn]
    updated: Timestamp | None = None


class PipelineStatsIn(_In):
    name: Name | None = None
    description: Text | None = None
    stargazers_count: Count | None = None
    watchers_count: Count | None = None
    forks_count: Count | None = None
    open_issues_count: Count | None = None
    archived: bool | None = None
    category: str | None = None


class IssueStatsIn(_In):
    issue_count: Count | None = None
    closed_issue_count: Count | None = None
    median_seconds_to_issue_closed: Seconds | None = None
    pr_count: Count | None = None
    closed_pr_count: Count | None = None
    median_seconds_to_pr_closed: Seconds | None = None


class ContributorStatsIn(_In):
    number_of_contributors: Count | None = None


class PipelineEntryIn(_In):
    pipeline_stats: PipelineStatsIn | None = None
    issue_stats: IssueStatsIn | None = None
    contributor_stats: ContributorStatsIn | None = None


class TwitterIn(_In):
    followers_count: BigCount | None = None
    following_count: BigCount | None = None
    tweet_count: BigCount | None = None
    timestamp: Timestamp


def parse_as(model: type[_Model], payload: Any, root: str = "") -> _Model:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in (root, *error["loc"]) if p != "") or "body"
        raise LegacyImportError(f"{field}: {error['msg']}") from None


_NAME = TypeAdapter(Name)


def check_repository_name(name: str) -> None:
    """A repository name of the stats file's keys, as the column holds names."""
    try:
        _NAME.validate_python(name)
    except ValidationError as exc:
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise LegacyImportError(f"{shown!r}: {exc.errors()[0]['msg']}") from None
