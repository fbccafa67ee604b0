"""The schema, split by topic; import models from here."""

from stats.models.accounts import CURATING_ROLES, ApiToken, Membership, Organisation, Role
from stats.models.community import (
    CollectionRun,
    CommunityMetric,
    CommunityMetricName,
    CommunitySource,
    Contributor,
    ContributorWeek,
    HttpCacheEntry,
    IssueKind,
    Release,
    Repository,
    RepositoryDay,
    RepositoryIssue,
    RepositoryKind,
)
from stats.models.enums import RuleSet, SegmentStatus
from stats.models.registry import Category, Package, PackageVersion, Registry
from stats.models.segments import Client, LogSegment, SegmentDay, UnknownPackage
from stats.models.summaries import (
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    PackageDay,
    PackageMonth,
    PackageYear,
    PackageYearLines,
)
from stats.models.uptime import UptimeCheck

__all__ = [
    "CURATING_ROLES",
    "ApiToken",
    "Category",
    "CategoryDay",
    "CategoryMonth",
    "CategoryYear",
    "Client",
    "CollectionRun",
    "CommunityMetric",
    "CommunityMetricName",
    "CommunitySource",
    "Contributor",
    "ContributorWeek",
    "HttpCacheEntry",
    "IssueKind",
    "LogSegment",
    "Membership",
    "Organisation",
    "Package",
    "PackageDay",
    "PackageMonth",
    "PackageVersion",
    "PackageYear",
    "PackageYearLines",
    "Registry",
    "Release",
    "Repository",
    "RepositoryDay",
    "RepositoryIssue",
    "RepositoryKind",
    "Role",
    "RuleSet",
    "SegmentDay",
    "SegmentStatus",
    "UnknownPackage",
    "UptimeCheck",
]
