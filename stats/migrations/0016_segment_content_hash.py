"""LogSegment.content_sha256 becomes content_hash, tagged with its algorithm.

Existing identities are SHA-256 and become "sha256:<hex>"; new segments are hashed with
BLAKE3 ("blake3:<hex>"). Ingestion still recognises the SHA-256 ones, so content
ingested before this migration is never counted again. Going back is possible only
while no BLAKE3 identity exists (they cannot be turned into SHA-256 ones).
"""

from django.db import migrations, models


def _tag_sha256(apps, schema_editor) -> None:
    segment = apps.get_model("stats", "LogSegment")
    segment.objects.exclude(content_hash__contains=":").update(
        content_hash=models.functions.Concat(models.Value("sha256:"), "content_hash")
    )


def _untag_sha256(apps, schema_editor) -> None:
    segment = apps.get_model("stats", "LogSegment")
    if segment.objects.exclude(content_hash__startswith="sha256:").exists():
        raise RuntimeError(
            "segments hashed with BLAKE3 exist: their identities cannot be made SHA-256 ones"
        )
    segment.objects.update(content_hash=models.functions.Substr("content_hash", 8))


class Migration(migrations.Migration):
    dependencies = [("stats", "0015_segment_day_lz4")]

    operations = [
        migrations.RemoveConstraint(model_name="logsegment", name="segment_identity"),
        migrations.RenameField(
            model_name="logsegment", old_name="content_sha256", new_name="content_hash"
        ),
        migrations.AlterField(
            model_name="logsegment",
            name="content_hash",
            field=models.CharField(
                max_length=80,
                help_text='Hash of the range\'s bytes, tagged with its algorithm ("blake3:...").',
            ),
        ),
        migrations.RunPython(_tag_sha256, _untag_sha256),
        migrations.AddConstraint(
            model_name="logsegment",
            constraint=models.UniqueConstraint(
                fields=("registry", "start_offset", "end_offset", "content_hash"),
                name="segment_identity",
            ),
        ),
    ]
