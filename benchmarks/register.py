"""Seeded registers of purchases for the benchmark, in three shapes (``SHAPES``).

* ``generated``: a register that repeats itself, as real ones do: rows drawn from
  profiles of purchases (between them every method, a no-route case and every
  contract type), each with its own title, amount (written the many ways people
  write money) and length; one row in seven has one field changed at random, and
  about one row in a hundred is broken the ways registers are (bad money, a
  misspelt choice, a blank title, values that disagree, a short row).
* ``uniform``: the same profiles, but every amount uniform from £100 to £900,000
  with pence and every length a fraction of a year: no two amounts alike.
* ``council``: shaped like a council's published contracts register
  (Transparency Code): real-looking titles, continuous amounts with pence spread
  over several orders of magnitude, the length often missing, and most of the
  optional fields blank.

Every shape writes the same columns, so one command reads them all.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

FIELDS = [
    "title",
    "annual_value",
    "total_value",
    "years",
    "outcomes",
    "providers",
    "service",
    "sector",
    "eu_exempt",
    "external_guidance",
    "timescale",
    "overlaps_vcs_activity",
    "core_costs",
    "strategic_organisation",
    "resources_panel_approved",
    "redevelopment_costs",
    "for_individual",
    "guaranteed_volume",
    "call_off",
    "provider",
    "partners",
    "direct_payment",
    "gp_led",
]
CHOICES = {
    "outcomes": ["certain", "less_certain"],
    "providers": ["many", "few", ""],
    "service": ["statutory", "required", "discretionary", ""],
    "sector": ["general", "specific", "vcs", ""],
    "timescale": ["normal", "restricted", ""],
    "provider": ["unknown", "in_house", "third_sector", "private", "statutory", ""],
    "partners": ["1", "2", "3", ""],
}
FLAGS = [
    "eu_exempt",
    "external_guidance",
    "overlaps_vcs_activity",
    "core_costs",
    "strategic_organisation",
    "resources_panel_approved",
    "redevelopment_costs",
    "for_individual",
    "guaranteed_volume",
    "call_off",
    "direct_payment",
    "gp_led",
]

# (title, weight, annual range in pounds, fields)
PROFILES = [
    (
        "Home care",
        8,
        (30_000, 400_000),
        dict(
            outcomes="certain",
            providers="many",
            service="statutory",
            sector="general",
            provider="private",
            guaranteed_volume="true",
        ),
    ),
    (
        "Day care",
        6,
        (20_000, 60_000),
        dict(
            outcomes="certain",
            providers="few",
            service="statutory",
            sector="specific",
            eu_exempt="true",
            provider="third_sector",
        ),
    ),
    (
        "Befriending",
        6,
        (2_000, 32_000),
        dict(
            outcomes="certain",
            providers="many",
            service="required",
            sector="general",
            provider="in_house",
        ),
    ),
    (
        "Core funding",
        3,
        (10_000, 250_000),
        dict(
            outcomes="less_certain",
            core_costs="true",
            strategic_organisation="true",
            provider="third_sector",
        ),
    ),
    (
        "Youth activity grant",
        6,
        (3_000, 60_000),
        dict(outcomes="less_certain", providers="many", sector="vcs", timescale="normal"),
    ),
    (
        "Carers' network grant",
        4,
        (4_000, 55_000),
        dict(
            outcomes="less_certain",
            providers="few",
            sector="vcs",
            overlaps_vcs_activity="true",
            timescale="restricted",
        ),
    ),
    ("Community chest", 5, (200, 6_000), dict(outcomes="less_certain", sector="vcs")),
    (
        "Lunch clubs",
        2,
        (45_000, 120_000),
        dict(outcomes="less_certain", providers="many", sector="vcs", timescale="normal"),
    ),
    (
        "Interpreting",
        3,
        (5_000, 45_000),
        dict(
            outcomes="certain",
            providers="many",
            service="statutory",
            sector="general",
            external_guidance="true",
        ),
    ),
    (
        "Hall redevelopment",
        1,
        (20_000, 150_000),
        dict(outcomes="less_certain", redevelopment_costs="true"),
    ),
    (
        "Short breaks (joint)",
        3,
        (8_000, 80_000),
        dict(
            outcomes="certain",
            providers="many",
            service="statutory",
            sector="general",
            partners="2",
            for_individual="true",
        ),
    ),
    (
        "Equipment framework",
        4,
        (10_000, 300_000),
        dict(
            outcomes="certain",
            providers="many",
            service="required",
            sector="general",
            call_off="true",
            provider="private",
        ),
    ),
    (
        "Personal budgets",
        2,
        (1_000, 20_000),
        dict(outcomes="certain", direct_payment="true", for_individual="true", service="statutory"),
    ),
    (
        "GP-led services",
        2,
        (15_000, 90_000),
        dict(
            outcomes="certain",
            gp_led="true",
            providers="few",
            service="statutory",
            sector="specific",
        ),
    ),
]
WEIGHTS = [p[1] for p in PROFILES]


def _money(rng: random.Random, pounds: float) -> str:
    style = rng.random()
    whole = int(pounds)
    if style < 0.55:
        return str(whole)
    if style < 0.75:
        return f"£{whole:,}"
    if style < 0.85:
        return f"{whole / 1000:g}k"
    return f"{pounds:.2f}"


def _row(rng: random.Random, number: int) -> list[str]:
    title, _, (low, high), fields = rng.choices(PROFILES, WEIGHTS)[0]
    row = dict.fromkeys(FIELDS, "")
    row.update(fields)
    row["title"] = f"{title} {number}"
    years = rng.choice(["1", "2", "3", "3", "4", "5", "0.5", ""])
    annual = rng.uniform(low, high)
    if rng.random() < 0.2:  # some registers record the whole-life value instead
        factor = max(float(years or 1), 1.0)
        row["total_value"] = _money(rng, annual * factor)
    else:
        row["annual_value"] = _money(rng, annual)
    row["years"] = years
    if rng.random() < 1 / 7:  # one field differs from the profile
        name = rng.choice([*CHOICES, *FLAGS])
        row[name] = (
            rng.choice(CHOICES[name])
            if name in CHOICES
            else rng.choice(["true", "false", "yes", "no", ""])
        )
    cells = [row[f] for f in FIELDS]
    if rng.random() < 0.01:
        cells = _broken(rng, cells)
    return cells


def _broken(rng: random.Random, cells: list[str]) -> list[str]:
    kind = rng.randrange(5)
    if kind == 0:
        cells[1], cells[2] = "45kk", ""
    elif kind == 1:
        cells[4] = "sure"
    elif kind == 2:
        cells[0] = ""
    elif kind == 3:
        cells[1], cells[2], cells[3] = "45000", "100000", "3"
    else:
        cells = cells[:5]
    return cells


def _uniform_row(rng: random.Random, number: int) -> list[str]:
    cells = _row(rng, number)
    row = dict(zip(FIELDS, cells, strict=False))
    if len(cells) == len(FIELDS) and row["annual_value"] not in ("45kk", ""):
        row["annual_value"], row["total_value"] = f"{rng.uniform(100, 900_000):.2f}", ""
        row["years"] = f"{rng.uniform(0.25, 10):.2f}"
        cells = [row[f] for f in FIELDS]
    return cells


COUNCIL_TITLES = [
    "Supported living services - learning disabilities",
    "Domiciliary care framework lot 3",
    "Provision of school transport (SEN)",
    "Grounds maintenance - parks and open spaces",
    "Advocacy service for adults",
    "Carers support and respite",
    "Community equipment store",
    "Substance misuse recovery service",
    "Library book supply",
    "Youth service grant - holiday activities",
    "Voluntary sector infrastructure support",
    "Interpreting and translation services",
    "Highways minor works",
    "IT support and maintenance",
    "Homelessness prevention floating support",
    "Meals on wheels",
    "Care leavers accommodation",
    "Public health - stop smoking service",
    "Residential care placements (spot)",
    "Community transport grant",
]


def _council_row(rng: random.Random, number: int) -> list[str]:
    row = dict.fromkeys(FIELDS, "")
    row["title"] = f"{rng.choice(COUNCIL_TITLES)} ({number})"
    pounds = min(rng.lognormvariate(10.3, 1.6), 50_000_000)
    row["total_value" if rng.random() < 0.7 else "annual_value"] = f"{pounds:.2f}"
    row["years"] = rng.choice(["", "", "", "1", "2", "3", "4", "5", "0.5", "1.5"])
    row["outcomes"] = rng.choice(["certain", "certain", "certain", "less_certain"])
    for name in ("providers", "service", "sector", "provider"):
        if rng.random() < 0.25:
            row[name] = rng.choice([c for c in CHOICES[name] if c])
    for name in FLAGS:
        if rng.random() < 0.05:
            row[name] = rng.choice(["yes", "no"])
    return [row[f] for f in FIELDS]


SHAPES = {"generated": _row, "uniform": _uniform_row, "council": _council_row}


def rows(n: int, seed: int = 2009, shape: str = "generated") -> Iterator[list[str]]:
    rng = random.Random(seed)
    make = SHAPES[shape]
    for number in range(1, n + 1):
        yield make(rng, number)


def write(path: Path, n: int, seed: int = 2009, shape: str = "generated") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows(n, seed, shape))
    return path
