"""PackageYear.tab_lines: the year's lines of <category>_pkg_stats.tab, kept by the refresh.

Existing years are rendered from their months here, so the file is served from the kept
lines at once (at Bioconductor scale: 43,000 years, some seconds).
"""

from django.db import migrations, models


def render_existing(apps, schema_editor):
    from stats.services.tab_lines import render_year_lines

    year_model = apps.get_model("stats", "PackageYear")
    package_ids = year_model.objects.values_list("package_id", flat=True).distinct()
    render_year_lines(
        package_ids=list(package_ids),
        year_model=year_model,
        month_model=apps.get_model("stats", "PackageMonth"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0008_drop_redundant_package_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="packageyear",
            name="tab_lines",
            field=models.TextField(
                editable=False,
                help_text="The year's 13 lines of <category>_pkg_stats.tab without the package "
                "column, kept by the refresh so the file is joined, not rendered; null: not kept.",
                null=True,
            ),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
    ]
