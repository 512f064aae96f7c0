"""Deterministic synthetic rosters for the sample programmes (the demo, the tests and the benchmark).

The people are made up (seeded, so every run makes the same ones); organisations and countries follow the
programmes' descriptions: Lithuanian municipalities and colleges for social clustering, clusters from eight
Baltic Sea countries for the cluster managers, northern Swedish organisations for the executive programme.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST = ["Asta", "Jonas", "Rūta", "Tomas", "Eglė", "Lukas", "Ingrid", "Erik", "Anna", "Mikael", "Karin", "Lars",
         "Liis", "Mart", "Jānis", "Ilze", "Mette", "Søren", "Anna", "Piotr", "Ewa", "Jukka", "Aino", "Katrin"]
LAST = ["Kazlauskas", "Petrauskienė", "Jankauskas", "Lindqvist", "Berg", "Nilsson", "Tamm", "Bērziņš", "Nowak",
        "Virtanen", "Schmidt", "Jensen", "Öberg", "Žukauskaitė", "Korhonen", "Kowalska", "Müller", "Ozola"]
SC_ORGS = ["Biržų rajono savivaldybė", "Prienų rajono savivaldybė", "Druskininkų savivaldybė",
           "Utenos rajono savivaldybė", "Vilniaus dizaino kolegija", "VšĮ Gintarinė akademija",
           "Lietuvos demokratiškumo ugdymo kolegija"]
CME_CLUSTERS = [("iVita", "LT"), ("SmartFood", "LT"), ("Smart IT", "LV"), ("LITEK", "LT"), ("LAuGEA", "LV"),
                ("Food Cluster Denmark", "DK"), ("Tallinn Food Cluster", "EE"), ("Vaasa Energy Cluster", "FI"),
                ("Food Campus Berlin", "DE"), ("Pomeranian Cluster", "PL"), ("Paper Province", "SE")]
EMP_ORGS = ["Luleå kommun", "Piteå kommun", "Region Norrbotten", "Bodens kommun", "Skellefteå kommun",
            "Norrbottens Energi AB", "Kiruna kommun"]
HEADER = ["idnumber", "username", "firstname", "lastname", "email", "institution", "department", "country", "lang",
          "programme", "intake"]


def participants(programme: str, n: int, *, seed: int = 7, start: int = 1) -> list[dict[str, str]]:
    """``n`` participants of one sample programme, numbered from ``start``."""
    rng = random.Random(f"{seed}-{programme}")
    rows = []
    code = {"social-clustering": "sc", "cluster-manager-education": "cme", "executive-management": "emp"}[programme]
    for i in range(start, start + n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if programme == "social-clustering":
            org, country, lang, intake = rng.choice(SC_ORGS), "LT", rng.choice(["lt", "lt", "lt", "en"]), "2026"
        elif programme == "cluster-manager-education":
            (org, country), lang, intake = rng.choice(CME_CLUSTERS), "en", "2020"
        else:
            org, country, lang, intake = rng.choice(EMP_ORGS), "SE", "sv", "2026"
        pid = f"{code}{i:06d}"
        rows.append({"idnumber": pid, "username": f"{pid}", "firstname": first, "lastname": last,
                     "email": f"{pid}@example.org", "institution": org, "department": "", "country": country,
                     "lang": lang, "programme": programme, "intake": intake})
    return rows


def write_roster(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_sample_rosters(folder: Path, *, sc: int = 40, cme: int = 24, emp: int = 20, seed: int = 7) -> list[Path]:
    """The demo's rosters, one file per programme (the social-clustering one semicolon-separated with a BOM, as
    Excel writes it), so that the sync reads the formats administrators have."""
    return [
        write_roster(folder / "social-clustering.csv", participants("social-clustering", sc, seed=seed),
                     delimiter=";", bom=True),
        write_roster(folder / "cluster-manager-education.csv",
                     participants("cluster-manager-education", cme, seed=seed)),
        write_roster(folder / "executive-management.csv", participants("executive-management", emp, seed=seed)),
    ]


RESULT_HEADER = ["idnumber", "event", "grade", "feedback"]
_FEEDBACK = {
    "sv": ["Tydlig analys och väl underbyggda slutsatser.", "Bra diskussion; fördjupa gärna scenarierna.",
           "Godkänt. Koppla tydligare till den egna organisationen."],
    "en": ["Clear analysis and well-founded conclusions.", "Good discussion; take the scenarios further.",
           "Passed. Link it more closely to your own organisation."],
}


def write_sample_results(path: Path, *, sc: int = 40, cme: int = 24, emp: int = 20, seed: int = 7) -> Path:
    """A results CSV of the sample programmes' training events for the participants of `write_sample_rosters`
    (same counts and seed): every participant of the executive programme and of the cluster managers gets a grade
    and feedback for each event; every social-clustering participant attended the first training event in
    Lithuania (a third also the one in Norway), graded out of 100. Seeded: every run
    writes the same file."""
    rng = random.Random(f"{seed}-results")
    rows: list[dict[str, str]] = []
    for p in participants("executive-management", emp, seed=seed):
        for event in ("EMP-S1-CASE", "EMP-S2-CASE", "EMP-S3-CASE"):
            rows.append({"idnumber": p["idnumber"], "event": event, "grade": str(rng.randint(5, 10)),
                         "feedback": rng.choice(_FEEDBACK["sv"])})
    for p in participants("cluster-manager-education", cme, seed=seed):
        for event in ("CME-HYPER-WORKSHOP", "CME-VAASA-CASE"):
            rows.append({"idnumber": p["idnumber"], "event": event, "grade": str(rng.randint(55, 100)),
                         "feedback": rng.choice(_FEEDBACK["en"])})
    for p in participants("social-clustering", sc, seed=seed):
        # Everyone attended the first event in Lithuania; every third also the first one in Norway.
        for event in ("SC-LT-01", "SC-NO-01") if rng.random() < 1 / 3 else ("SC-LT-01",):
            rows.append({"idnumber": p["idnumber"], "event": event, "grade": str(rng.randint(60, 100)),
                         "feedback": ""})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RESULT_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path
