"""PackageYear.tab_lines: the year's lines of <category>_pkg_stats.tab, kept by the refresh.

Replaced by 0010 (PackageYearLines); its data step is now a no-op, 0010 renders the lines.
"""

from django.db import migrations, models


def render_existing(apps, schema_editor):
    """Superseded: 0010 moves the lines to a table of their own and renders them there."""


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
