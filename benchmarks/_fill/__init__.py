"""A Bioconductor-scale registry written fast, and the Django setup the benchmarks share.

``bioconductor.fill_bioconductor`` writes what ingestion and aggregation would have
written for 15 years of daily downloads of the real manifest's packages (generated,
Zipf-skewed popularity, growth over the years, weekends quieter, each package counted
from its first to its last release): Client rows, PackageDay/Month/Year and
CategoryDay/Month/Year with exact client bitmaps (stats.bitmaps encoding),
PackageVersion totals, then the aggregation's own ``update_package_columns`` for totals,
scores, ranks and rolling windows, the kept .tab year lines (``render_year_lines``), and
Registry.valid_through/data_generation. Months are unions of days, years unions of
months, categories unions of their packages, exactly as aggregation derives them.

Speed: each calendar year is one task (a process pool); client sets are cut from
precomputed random masks with C-level bitmap operations (a window of ids AND a mask
of density 1/4), rows stream to PostgreSQL by COPY, and the large day table gets its
secondary indexes after the load. Historical raw facts (SegmentDay rows) are not
written: no reader and no incremental refresh reads the facts of past days.

Modules: ``database`` (Django setup, create and drop), ``plan`` (who is downloaded when,
and each day's client sets), ``year`` (one calendar year's summaries by COPY),
``bioconductor`` (the whole fill), ``next_day`` (a day after the history, and the timed
refresh), ``check`` (the fill equals a rebuild from the same facts).
"""
