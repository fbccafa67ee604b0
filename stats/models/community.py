"""Community activity of a registry: its GitHub organisation, chat, videos and posts.

Written only by the community collectors (stats.services.community) and the legacy
import; read through stats.selectors.community. Every daily number is nullable: empty
means "not measured that day", never zero.
"""

from __future__ import annotations

from django.db import models

from stats.models.registry import Registry


class RepositoryKind(models.TextChoices):
    """nf-core splits its organisation into pipelines and everything else."""

    PIPELINE = "pipeline", "Pipeline"
    CORE = "core", "Core repository"


class IssueKind(models.TextChoices):
    ISSUE = "issue", "Issue"
    PULL_REQUEST = "pr", "Pull request"


class CommunityMetricName(models.TextChoices):
    """Organisation-wide numbers, one value per registry and day."""

    GITHUB_MEMBERS = "github_members", "GitHub organisation members"
    GITHUB_REPOSITORIES = "github_repositories", "GitHub repositories"
    GITHUB_PRS_OPEN = "github_prs_open", "Open pull requests (organisation)"
    GITHUB_PRS_CLOSED_MERGED = "github_prs_closed_merged", "Closed or merged PRs (organisation)"
    PIPELINES_IN_DEVELOPMENT = "pipelines_in_development", "Pipelines in development"
    PIPELINES_RELEASED = "pipelines_released", "Released pipelines"
    SLACK_USERS_TOTAL = "slack_users_total", "Slack users"
    SLACK_USERS_ACTIVE = "slack_users_active", "Slack active users"
    SLACK_USERS_INACTIVE = "slack_users_inactive", "Slack inactive users"
    YOUTUBE_SUBSCRIBERS = "youtube_subscribers", "YouTube subscribers"
    YOUTUBE_VIEWS = "youtube_views", "YouTube views"
    YOUTUBE_VIDEOS = "youtube_videos", "YouTube videos"
    TWITTER_FOLLOWERS = "twitter_followers", "X/Twitter followers"
    TWITTER_FOLLOWING = "twitter_following", "X/Twitter following"
    TWITTER_POSTS = "twitter_posts", "X/Twitter posts"


class CommunitySource(models.Model):
    """Where a registry's community lives; collectors skip what is left empty."""

    registry = models.OneToOneField(
        Registry, on_delete=models.CASCADE, related_name="community_source"
    )
    github_organisation = models.CharField(max_length=100, blank=True)
    pipeline_names_url = models.CharField(
        max_length=500,
        blank=True,
        help_text="JSON {'pipeline': [names]} splitting pipelines from core repositories; "
        "empty: the settings' list (STATS_COMMUNITY__PIPELINE_NAMES / _URL).",
    )
    youtube_channel_id = models.CharField(max_length=100, blank=True)
    twitter_username = models.CharField(max_length=100, blank=True)
    slack_enabled = models.BooleanField(
        default=False, help_text="Count Slack users with STATS_COMMUNITY__SLACK_TOKEN."
    )

    def __str__(self) -> str:
        return f"{self.registry.name} community"


class Repository(models.Model):
    """A repository of the registry's GitHub organisation."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="repositories")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=RepositoryKind.choices)
    github_id = models.BigIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    html_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    topics = models.JSONField(default=list, blank=True)
    issues_since = models.DateTimeField(
        null=True, blank=True, help_text="Issues updated after this are read on the next run."
    )
    collected_on = models.DateField(
        null=True, blank=True, help_text="Day of the last complete collection (resume point)."
    )

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["registry", "name"]
        constraints = [
            models.UniqueConstraint(fields=["registry", "name"], name="repository_natural_key")
        ]
        indexes = [models.Index(fields=["registry", "kind", "name"])]

    def __str__(self) -> str:
        return f"{self.registry.name}/{self.name}"


class RepositoryDay(models.Model):
    """One repository's numbers on one day (UTC); a later run of the day overwrites."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    stars = models.PositiveIntegerField(null=True, blank=True)
    forks = models.PositiveIntegerField(null=True, blank=True)
    network_forks = models.PositiveIntegerField(null=True, blank=True)
    watchers = models.PositiveIntegerField(null=True, blank=True, help_text="subscribers_count")
    open_issues = models.PositiveIntegerField(
        null=True, blank=True, help_text="GitHub's open_issues_count: issues and PRs."
    )
    open_prs = models.PositiveIntegerField(null=True, blank=True)
    releases = models.PositiveIntegerField(null=True, blank=True)
    contributors = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveIntegerField(null=True, blank=True)
    unique_visitors = models.PositiveIntegerField(null=True, blank=True)
    clones = models.PositiveIntegerField(null=True, blank=True)
    unique_cloners = models.PositiveIntegerField(null=True, blank=True)
    issues_total = models.PositiveIntegerField(null=True, blank=True)
    issues_closed = models.PositiveIntegerField(null=True, blank=True)
    prs_total = models.PositiveIntegerField(null=True, blank=True)
    prs_closed = models.PositiveIntegerField(null=True, blank=True)
    median_issue_close_seconds = models.FloatField(null=True, blank=True)
    median_pr_close_seconds = models.FloatField(null=True, blank=True)
    median_issue_response_seconds = models.FloatField(null=True, blank=True)
    median_pr_response_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["repository", "day"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "day"], name="repository_day_key")
        ]

    def __str__(self) -> str:
        return f"{self.repository} {self.day}"


class Release(models.Model):
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="releases")
    tag_name = models.CharField(max_length=200)
    published_at = models.DateTimeField(null=True, blank=True)
    tag_sha = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["repository", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "tag_name"], name="release_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.repository.name} {self.tag_name}"


class Contributor(models.Model):
    """A person's all-time commits to a repository."""

    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="contributor_rows"
    )
    login = models.CharField(max_length=100)
    commits = models.PositiveIntegerField(default=0)
    avatar_url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["repository", "-commits"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "login"], name="contributor_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.login} on {self.repository.name}"


class ContributorWeek(models.Model):
    """GitHub's /stats/contributors week: commits, additions, deletions."""

    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE, related_name="weeks")
    week = models.DateField(help_text="The Sunday the week starts on (UTC).")
    commits = models.PositiveIntegerField(default=0)
    additions = models.PositiveBigIntegerField(default=0)
    deletions = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["contributor", "week"]
        constraints = [
            models.UniqueConstraint(fields=["contributor", "week"], name="contributor_week_key")
        ]


class RepositoryIssue(models.Model):
    """An issue or pull request, kept to count opened/closed per day and time to answer."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=IssueKind.choices)
    author = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(
        null=True, blank=True, help_text="First comment by someone else than the author, no bot."
    )

    class Meta:
        ordering = ["repository", "number"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "number"], name="repository_issue_key")
        ]
        indexes = [
            models.Index(fields=["repository", "created_at"]),
            models.Index(fields=["repository", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.repository.name}#{self.number}"


class CommunityMetric(models.Model):
    """An organisation-wide number (members, Slack users, followers...) on one day."""

    registry = models.ForeignKey(
        Registry, on_delete=models.CASCADE, related_name="community_metrics"
    )
    name = models.CharField(max_length=32, choices=CommunityMetricName.choices)
    day = models.DateField()
    value = models.BigIntegerField()

    class Meta:
        ordering = ["registry", "name", "day"]
        constraints = [
            models.UniqueConstraint(fields=["registry", "name", "day"], name="community_metric_key")
        ]

    def __str__(self) -> str:
        return f"{self.registry.name} {self.name} {self.day}: {self.value}"


class HttpCacheEntry(models.Model):
    """The last answer to a GET, so the next one can be conditional (ETag, 304)."""

    url = models.CharField(max_length=1000, unique=True)
    etag = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    link = models.TextField(blank=True, help_text="The Link header: pagination of a 304.")
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "HTTP cache entries"

    def __str__(self) -> str:
        return self.url


class CollectionRun(models.Model):
    """What one collector did for a registry: kept so a stopped run resumes after reset."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="community_runs")
    collector = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16)
    resume_after = models.DateTimeField(
        null=True, blank=True, help_text="Rate limit reset: the next run waits until then."
    )
    written = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["registry", "collector", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.registry.name} {self.collector} {self.started_at:%Y-%m-%d %H:%M}"
