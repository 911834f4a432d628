"""Bulk import of ECLS runs: LifeNet's importer against the database's own bulk insert of the
same rows, in the same run, on SQLite and (when reachable) PostgreSQL. Each is measured three
times, in turns (import, then the bulk insert of the rows it wrote), and the medians compared:
a shared machine's noise moves single timings by a third.

For each database: a fresh schema with the demo network (and its demo registry); N patients and their episodes
imported first (not timed); then a CSV of N ECLS runs is timed through
:func:`lifenet.registry.imports.do_import_file` — decoding, parsing, finding each run's
episode, validation with the dictionary's rules, the JSON values, the bulk INSERTs and the
audit entry, in one transaction. The baseline then inserts exactly the rows the importer wrote
(already validated, values already JSON text) with the database's own bulk path: the DB-API
``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.

Target (issue 3): the import within 3x of the baseline.

    python benchmarks/registry_import.py [--quick] [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine, make_url

from lifenet.db import make_engine, make_sessionmaker
from lifenet.demo import seed_demo
from lifenet.migrations import upgrade
from lifenet.registry.actions import NETWORK_ID_ALPHABET
from lifenet.registry.imports import RECORD_COLUMNS, _sqlite_time, do_import_file
from lifenet.registry.models import RegistryRecord

TODAY = dt.date(2026, 1, 15)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
COLUMNS = RECORD_COLUMNS  # the importer's own columns: the baseline writes the same rows


COLUMN_LIST = ", ".join(f'"{c}"' for c in COLUMNS)


def _network_id(i: int) -> str:
    digits = []
    for _ in range(10):
        i, rest = divmod(i, 32)
        digits.append(NETWORK_ID_ALPHABET[rest])
    return "LN-" + "".join(reversed(digits))


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def make_files(n: int, seed: int = 3) -> dict[str, bytes]:
    """Patients, episodes and runs: plausible mixes of age, support type and mode."""
    rng = random.Random(seed)
    patients, episodes, runs = [], [], []
    for i in range(n):
        network_id = _network_id(i + 1)
        admitted = dt.datetime(2023, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(
            minutes=rng.randrange(0, 2 * 365 * 24 * 60)
        )
        neonate = rng.random() < 0.3
        age_days = rng.randrange(0, 20) if neonate else rng.randrange(30, 17 * 365)
        birth = admitted.date() - dt.timedelta(days=age_days)
        weight = round(rng.uniform(2.5, 4.5) if neonate else min(3.5 + age_days / 365 * 2.6, 80), 1)
        patients.append(
            [
                network_id,
                rng.choice(["male", "female"]),
                admitted.date().isoformat(),
                birth.isoformat(),
                str(rng.randrange(34, 41)) if neonate else "",
                str(round(rng.uniform(2.5, 4.2), 2)) if neonate else "",
                str(weight),
            ]
        )
        episodes.append([network_id, admitted.strftime("%Y-%m-%d %H:%M"), "picu", "emergency"])
        support = rng.choices(["pulmonary", "cardiac", "ecpr"], [0.5, 0.35, 0.15])[0]
        mode = "vv" if support == "pulmonary" and rng.random() < 0.5 else "va"
        start = admitted + dt.timedelta(hours=rng.randrange(2, 72))
        end = start + dt.timedelta(hours=rng.randrange(24, 400))
        runs.append(
            [
                network_id,
                admitted.strftime("%Y-%m-%d %H:%M"),
                "1",
                support,
                mode,
                start.strftime("%Y-%m-%d %H:%M"),
                end.strftime("%Y-%m-%d %H:%M"),
                str(weight),
                "right_internal_jugular_vein"
                if mode == "vv"
                else "right_internal_jugular_vein|right_common_carotid_artery",
                rng.choice(["percutaneous", "cutdown"]),
                "centrifugal",
                "pmp_hollow_fiber",
                "no",
            ]
        )
    return {
        "patient": _csv(
            [
                "network_id",
                "sex",
                "registration_date",
                "birth_date",
                "gestational_age_weeks",
                "birth_weight_kg",
                "weight_kg",
            ],
            patients,
        ),
        "episode": _csv(
            ["network_id", "admission_datetime", "admission_unit_type", "referral_source"], episodes
        ),
        "ecls_run": _csv(
            [
                "network_id",
                "admission_datetime",
                "run_number",
                "support_type",
                "mode",
                "ecls_start",
                "ecls_end",
                "weight_at_cannulation_kg",
                "cannulation_sites",
                "cannulation_technique",
                "pump_type",
                "oxygenator_type",
                "mobile_retrieval",
            ],
            runs,
        ),
    }


def _import(engine: Engine, unit: int, form: str, data: bytes) -> float:
    session = make_sessionmaker(engine)()
    try:
        started = time.perf_counter()
        report = do_import_file(
            session, None, data, form=form, org_unit_id=unit, today=TODAY, confirmed_soft="all"
        )
        elapsed = time.perf_counter() - started
        assert report.created == data.count(b"\n") - 1, report
        return elapsed
    finally:
        session.close()


def _last_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.max(RegistryRecord.id))).scalar() or 0


def _delete_after(engine: Engine, after: int) -> None:
    session = make_sessionmaker(engine)()
    try:
        session.execute(delete(RegistryRecord).where(RegistryRecord.id > after))
        session.commit()
    finally:
        session.close()


def _written_rows(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    """The runs the importer wrote (ids above ``after``), as the baseline inserts them; then
    deleted."""
    session = make_sessionmaker(engine)()
    try:
        rows = session.execute(
            select(*(getattr(RegistryRecord, c) for c in COLUMNS)).where(RegistryRecord.id > after)
        ).all()
    finally:
        session.close()
    _delete_after(engine, after)
    return [(*r[:5], json.dumps(r[5], ensure_ascii=False), *r[6:]) for r in rows]


def _baseline_sqlite(engine: Engine, rows: list[tuple[Any, ...]]) -> float:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        sql = f"INSERT INTO registry_record ({COLUMN_LIST}) VALUES ({', '.join('?' * len(COLUMNS))})"
        plain = [(*r[:7], _sqlite_time(r[7]), _sqlite_time(r[8]), *r[9:]) for r in rows]
        started = time.perf_counter()
        cursor.executemany(sql, plain)
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def _baseline_postgresql(engine: Engine, rows: list[tuple[Any, ...]]) -> float:
    connection = engine.raw_connection()
    try:
        cursor: Any = connection.cursor()
        started = time.perf_counter()
        with cursor.copy(f"COPY registry_record ({COLUMN_LIST}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def run(url: str, files: dict[str, bytes], backend: str, repeats: int) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        session = make_sessionmaker(engine)()
        unit = seed_demo(session).unit("funan")
        session.close()
        setup = _import(engine, unit, "patient", files["patient"]) + _import(
            engine, unit, "episode", files["episode"]
        )
        last = _last_id(engine)
        imports, baselines = [], []
        bulk = _baseline_sqlite if backend == "sqlite" else _baseline_postgresql
        for _ in range(repeats):  # import, then the same rows by the bulk path, in turns
            imports.append(_import(engine, unit, "ecls_run", files["ecls_run"]))
            rows = _written_rows(engine, last)  # and deleted
            baselines.append(bulk(engine, rows))
            _delete_after(engine, last)
    finally:
        engine.dispose()
    imported, baseline = statistics.median(imports), statistics.median(baselines)
    return {
        "import_s": round(imported, 3),
        "baseline_s": round(baseline, 3),
        "ratio": round(imported / baseline, 2),
        "import_runs_s": [round(t, 3) for t in imports],
        "baseline_runs_s": [round(t, 3) for t in baselines],
        "setup_s": round(setup, 1),
    }


def _postgres_url() -> str | None:
    url = os.environ.get("LIFENET_BENCH_DATABASE_URL", PG_DEFAULT)
    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable": skip it
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipped", file=sys.stderr)
        return None
    return url


def _admin(url: str, sql: str) -> None:
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(sql))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 runs instead of 100,000")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument(
        "--repeats", type=int, default=3, help="times each is measured; the medians are compared"
    )
    args = parser.parse_args()
    n = args.rows or (10_000 if args.quick else 100_000)
    files = make_files(n)
    figures: dict[str, Any] = {"runs": n}
    with tempfile.TemporaryDirectory() as folder:
        figures["sqlite"] = run(f"sqlite:///{Path(folder) / 'bench.db'}", files, "sqlite", args.repeats)
    print(
        f"sqlite: import {figures['sqlite']['import_s']} s, executemany {figures['sqlite']['baseline_s']} s, ratio {figures['sqlite']['ratio']}"
    )
    pg = _postgres_url()
    if pg is not None:
        name = f"lifenet_bench_{uuid.uuid4().hex[:8]}"
        _admin(pg, f'CREATE DATABASE "{name}"')
        try:
            target = make_url(pg).set(database=name).render_as_string(hide_password=False)
            figures["postgresql"] = run(target, files, "postgresql", args.repeats)
        finally:
            _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(
            f"postgresql: import {figures['postgresql']['import_s']} s, COPY {figures['postgresql']['baseline_s']} s, ratio {figures['postgresql']['ratio']}"
        )
    ratios = [v["ratio"] for k, v in figures.items() if isinstance(v, dict)]
    met = all(r <= 3 for r in ratios)
    print(
        json.dumps(
            {"benchmark": "registry_import", "figures": figures, "target": {"ratio_max": 3}, "met": met}
        )
    )


if __name__ == "__main__":
    main()
