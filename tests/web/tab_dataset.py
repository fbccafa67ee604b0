"""A small Bioconductor-like dataset of summary rows, built directly with factories.

The expected files in tests/fixtures/expected_tab/ were written by hand from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from stats.models import Category, Package, PackageMonth, PackageYear, Registry
from tests.factories import (
    CategoryFactory,
    CategoryMonthFactory,
    CategoryYearFactory,
    PackageFactory,
    PackageMonthFactory,
    PackageYearFactory,
    RegistryFactory,
)

EXPECTED_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "expected_tab"

# package -> {year: (distinct, downloads)}, {(year, month): (distinct, downloads)}
PACKAGE_YEARS = {
    "limma": {2024: (11, 27), 2023: (7, 16)},
    "affy": {2024: (1, 1)},
    "Biobase": {2022: (4, 9)},
    "newpkg": {},
}
PACKAGE_MONTHS = {
    "limma": {(2024, 1): (10, 25), (2024, 3): (2, 2), (2023, 11): (5, 12), (2023, 12): (3, 4)},
    "affy": {(2024, 2): (1, 1)},
    "Biobase": {(2022, 6): (4, 9)},
    "newpkg": {},
}
SCORES = {"limma": 3, "affy": 0, "Biobase": 1, "newpkg": 0}
# The category's yearly distinct clients (12 in 2024) are less than the sum of months.
CATEGORY_YEARS = {2024: (12, 28), 2023: (7, 16), 2022: (4, 9)}
CATEGORY_MONTHS = {
    (2024, 1): (10, 25),
    (2024, 2): (1, 1),
    (2024, 3): (2, 2),
    (2023, 11): (5, 12),
    (2023, 12): (3, 4),
    (2022, 6): (4, 9),
}
VALID_THROUGH = dt.date(2024, 3, 31)


@dataclass
class TabDataset:
    registry: Registry
    bioc: Category
    annotation: Category
    packages: dict[str, Package]


def expected(name: str) -> bytes:
    return (EXPECTED_DIR / name).read_bytes()


def build_dataset(registry_name: str = "bioconductor") -> TabDataset:
    registry = RegistryFactory(name=registry_name, valid_through=VALID_THROUGH, data_generation=1)
    bioc = CategoryFactory(registry=registry, name="bioc")
    annotation = CategoryFactory(registry=registry, name="annotation")
    packages = {}
    for name in PACKAGE_YEARS:
        package = PackageFactory(registry=registry, category=bioc, name=name)
        Package.objects.filter(pk=package.pk).update(download_score=SCORES[name])
        packages[name] = package
        write_package_rows(package, PACKAGE_YEARS[name], PACKAGE_MONTHS[name])
    org = PackageFactory(registry=registry, category=annotation, name="org.Hs.eg.db")
    Package.objects.filter(pk=org.pk).update(download_score=42)
    for year, (ips, downloads) in CATEGORY_YEARS.items():
        CategoryYearFactory(category=bioc, year=year, distinct_clients=ips, downloads=downloads)
    for (year, month), (ips, downloads) in CATEGORY_MONTHS.items():
        CategoryMonthFactory(
            category=bioc, month=dt.date(year, month, 1), distinct_clients=ips, downloads=downloads
        )
    return TabDataset(registry, bioc, annotation, packages)


def write_package_rows(
    package: Package,
    years: dict[int, tuple[int, int]],
    months: dict[tuple[int, int], tuple[int, int]],
) -> None:
    """Replace a package's yearly and monthly rows (as a recomputation does)."""
    PackageYear.objects.filter(package=package).delete()
    PackageMonth.objects.filter(package=package).delete()
    for year, (ips, downloads) in years.items():
        PackageYearFactory(package=package, year=year, distinct_clients=ips, downloads=downloads)
    for (year, month), (ips, downloads) in months.items():
        PackageMonthFactory(
            package=package,
            month=dt.date(year, month, 1),
            distinct_clients=ips,
            downloads=downloads,
        )
