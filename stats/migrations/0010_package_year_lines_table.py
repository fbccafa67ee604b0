"""PackageYearLines: the kept year lines of <category>_pkg_stats.tab in a narrow table.

Read from PackageYear (0009), serving the file scanned the years' client sets too
(~110 MB at Bioconductor scale); this table holds only the text. Existing years are
rendered from their months here (Bioconductor scale: 43,000 years, some seconds).
"""

import django.db.models.deletion
from django.db import migrations, models


def render_existing(apps, schema_editor):
    from stats.services.tab_lines import render_year_lines

    year_model = apps.get_model("stats", "PackageYear")
    render_year_lines(
        package_ids=list(year_model.objects.values_list("package_id", flat=True).distinct()),
        year_model=year_model,
        month_model=apps.get_model("stats", "PackageMonth"),
        lines_model=apps.get_model("stats", "PackageYearLines"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0009_package_year_tab_lines"),
    ]

    operations = [
        migrations.CreateModel(
            name="PackageYearLines",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("lines", models.TextField()),
                (
                    "package",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="year_lines",
                        to="stats.package",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("package", "year"), name="package_year_lines_key"
                    )
                ],
            },
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="packageyear",
            name="tab_lines",
        ),
    ]
