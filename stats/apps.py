from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = "Download statistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from stats.web import signals

        signals.connect()
