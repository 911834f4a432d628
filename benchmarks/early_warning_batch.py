"""Batch scoring of long-format observations: LifeNet against two baselines in the same run.

Synthetic but realistic data: children of every age, a vital-sign or lab observation every few
minutes for two days, values drawn around age-appropriate normals with a sick tail (the
distributions are rough, the shape — many patients, many parameters, long format — is real).

For pSOFA (worst of the first 24 h per patient) and Bedside PEWS (one score per patient and
observation time) it times:

* **polars-scan**: a bare lazy scan of the same Parquet columns with a group-by min/max per
  patient and parameter (PEWS: per patient, time and parameter) — the floor any scorer pays;
* **lifenet**: :func:`lifenet.early_warning.batch.score_observations` on the same scan,
  validation and drop report included;
* **pandas-apply**: ``DataFrame.apply(axis=1)`` of the same point tables (the score module's
  own ``Band`` tables evaluated in Python for each row), then a group-by max. It runs on a
  sample of rows and is scaled linearly to the full size (``apply`` is linear in rows; running
  it on 10 million rows would take most of an hour).

Each method runs in its own process so its peak memory (max RSS) is its own; the three run in
turns three times (``--repeats``) and the median times are compared, because a shared machine's
noise moves single timings by a third.
Targets (issue 4): lifenet within 3x of polars-scan, and at least 50x faster than pandas-apply.

    python benchmarks/early_warning_batch.py [--quick] [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

PANDAS_SAMPLE = 200_000
OBS_PER_PATIENT = 100
PSOFA = {
    "pao2": (90, 30, 30, 500),
    "spo2": (95, 4, 60, 100),
    "fio2": (0.35, 0.15, 0.21, 1.0),
    "map": (65, 12, 20, 140),
    "platelets": (220, 90, 5, 900),
    "bilirubin": (0.9, 1.5, 0.1, 30),
    "creatinine": (0.5, 0.4, 0.1, 8),
    "gcs": (13, 3, 3, 15),
}
PEWS = {
    "heart_rate": (125, 28, 40, 250),
    "systolic_bp": (95, 15, 40, 180),
    "capillary_refill_s": (2, 1, 0, 8),
    "respiratory_rate": (32, 12, 6, 100),
    "spo2": (96, 3, 60, 100),
    "oxygen_flow_l_min": (1, 2, 0, 15),
}


def make_data(rows: int, path: Path, parameters: dict[str, tuple[float, float, float, float]]) -> Path:
    """``rows`` observations of ``rows // OBS_PER_PATIENT`` patients, written as Parquet."""
    rng = np.random.default_rng(2026)
    patients = max(rows // OBS_PER_PATIENT, 1)
    names = list(parameters)
    which = rng.integers(0, len(names), rows)
    spec = np.array([parameters[n] for n in names])
    mean, sd, low, high = (spec[which, k] for k in range(4))
    value = np.clip(rng.normal(mean, sd), low, high)
    value = np.where(np.array(names)[which] == "gcs", np.round(value), value)
    patient = np.repeat(np.arange(patients), OBS_PER_PATIENT)[:rows]
    minutes = rng.integers(0, 48 * 60, rows)
    # Naive times, as in a monitor export: minutes after 2026-01-01 00:00.
    times = (np.datetime64("2026-01-01T00:00") + minutes.astype("timedelta64[m]")).astype("datetime64[us]")
    frame = pl.DataFrame(
        {
            "patient_id": pl.Series(patient).cast(pl.String),
            "time": pl.Series(times).cast(pl.Datetime("us")),
            "parameter": pl.Series(np.array(names)[which]),
            "value": value,
        }
    ).sort("patient_id", "time")
    frame.write_parquet(path)
    ages = pl.DataFrame(
        {
            "patient_id": pl.Series(np.arange(patients)).cast(pl.String),
            "age_months": rng.integers(0, 216, patients).astype(float),
        }
    )
    ages.write_parquet(path.with_suffix(".ages.parquet"))
    return path


# ----- the three methods ---------------------------------------------------------------------
def polars_scan(path: Path, per_time: bool) -> int:
    keys = ["patient_id", "time", "parameter"] if per_time else ["patient_id", "parameter"]
    out = (
        pl.scan_parquet(path)
        .group_by(keys)
        .agg(pl.col("value").min().alias("low"), pl.col("value").max().alias("high"))
        .collect()
    )
    return out.height


def lifenet(path: Path, score: str) -> int:
    from lifenet.early_warning import batch
    from lifenet.early_warning.scores import get_score

    definition = get_score(score)
    ages = pl.read_parquet(path.with_suffix(".ages.parquet"))
    window = None if definition.per_time else dt.timedelta(hours=24)
    result = batch.score_observations(definition, pl.scan_parquet(path), ages, window=window)
    return result.scored.height


def _band_points(value: float, bands: Any) -> float:
    for band in bands:
        low_ok = band.lower is None or (value >= band.lower if band.lower_inclusive else value > band.lower)
        high_ok = band.upper is None or (value <= band.upper if band.upper_inclusive else value < band.upper)
        if low_ok and high_ok:
            return float(band.points)
    return 0.0


def _age_table(age: float, groups: Any, tables: Any) -> Any:
    for group, table in zip(groups, tables, strict=True):
        low_ok = group.lower is None or age >= group.lower
        high_ok = group.upper is None or (age <= group.upper if group.upper_inclusive else age < group.upper)
        if low_ok and high_ok:
            return table
    return ()


def _row_scorer(score: str) -> Any:
    """A plain-Python scorer of one observation row, reading the module's own band tables."""
    if score == "psofa":
        from lifenet.early_warning.scores import psofa as m

        fixed = {"platelets": m.PLATELETS, "bilirubin": m.BILIRUBIN, "gcs": m.GCS}
        map_tables = [(m.Band(None, t, 1),) for t in m.MAP_THRESHOLD]

        def psofa_row(row: Any) -> float:
            if row.parameter in fixed:
                return _band_points(row.value, fixed[row.parameter])
            if row.parameter == "creatinine":
                return _band_points(row.value, _age_table(row.age_months, m.AGE_GROUPS, m.CREATININE))
            if row.parameter == "map":
                return _band_points(row.value, _age_table(row.age_months, m.AGE_GROUPS, map_tables))
            return 0.0

        return psofa_row
    from lifenet.early_warning.scores import pews_bedside as p

    tables = {
        "heart_rate": p.HEART_RATE,
        "systolic_bp": p.SYSTOLIC_BP,
        "respiratory_rate": p.RESPIRATORY_RATE,
    }

    def pews_row(row: Any) -> float:
        if row.parameter in tables:
            return _band_points(row.value, _age_table(row.age_months, p.AGE_GROUPS, tables[row.parameter]))
        if row.parameter == "capillary_refill_s":
            return _band_points(row.value, p.CAPILLARY_REFILL)
        if row.parameter == "oxygen_flow_l_min":
            return _band_points(row.value, p.OXYGEN_FLOW)
        return 0.0

    return pews_row


def pandas_apply(path: Path, score: str, sample: int) -> int:
    import pandas as pd

    # Read with Polars (pandas would need pyarrow for Parquet), only the sample's rows: every
    # timed step is linear in rows, so the whole is scaled from the sample.
    frame = pd.DataFrame(pl.scan_parquet(path).head(sample).collect().to_dict(as_series=False))
    ages = pd.DataFrame(pl.read_parquet(path.with_suffix(".ages.parquet")).to_dict(as_series=False))
    frame = frame.merge(ages, on="patient_id")
    scorer = _row_scorer(score)
    frame["points"] = frame.apply(scorer, axis=1)
    per_time = score == "pews_bedside"
    keys = ["patient_id", "time", "parameter"] if per_time else ["patient_id", "parameter"]
    # Worst points per parameter, summed per patient (and time, for PEWS): the total.
    worst = frame.groupby(keys)["points"].max().groupby(level=[0, 1] if per_time else 0).sum()
    return len(worst)


# ----- running each in its own process -------------------------------------------------------
def child(method: str, path: Path, score: str, sample: int) -> None:
    # Imports happen before the clock starts: the timed part is the scoring (pandas' import
    # would otherwise be scaled with its sample, LifeNet's score modules counted as work).
    modules = {
        "lifenet": ("lifenet.early_warning.batch", "lifenet.early_warning.scores"),
        "pandas-apply": ("pandas",),
    }
    for module in modules.get(method, ()):
        importlib.import_module(module)
    started = time.perf_counter()
    if method == "polars-scan":
        rows = polars_scan(path, per_time=score == "pews_bedside")
    elif method == "lifenet":
        rows = lifenet(path, score)
    else:
        rows = pandas_apply(path, score, sample)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mib": peak_rss_mib()}))


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited on exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(method: str, path: Path, score: str, sample: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", method, "--data", str(path), "--score", score]
    command += ["--sample", str(sample)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measured(path: Path, score: str, sample: int, repeats: int) -> list[dict[str, Any]]:
    """Each method ``repeats`` times, in turns: the median time and the highest peak memory."""
    methods = ("polars-scan", "lifenet", "pandas-apply")
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for _ in range(repeats):
        for method in methods:
            runs[method].append(run(method, path, score, sample))
    return [
        runs[m][0]
        | {
            "seconds": statistics.median(r["seconds"] for r in runs[m]),
            "peak_mib": max(r["peak_mib"] for r in runs[m]),
            "runs_s": [round(r["seconds"], 3) for r in runs[m]],
        }
        for m in methods
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 million rows instead of 10 million")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument(
        "--repeats", type=int, default=3, help="times each method runs, in turns; medians are compared"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--score", default="psofa", help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, default=PANDAS_SAMPLE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.score, args.sample)
        return
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    sample = min(PANDAS_SAMPLE, rows)
    figures: dict[str, Any] = {"rows": rows}
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        for score, parameters in (("psofa", PSOFA), ("pews_bedside", PEWS)):
            path = make_data(rows, Path(tmp) / f"{score}.parquet", parameters)
            scan, ours, slow = measured(path, score, sample, args.repeats)
            pandas_full = slow["seconds"] * rows / sample
            vs_scan = ours["seconds"] / scan["seconds"]
            vs_pandas = pandas_full / ours["seconds"]
            print(f"\n{score}: {rows:,} observation rows → {ours['rows']:,} scored rows")
            print(f"  {'method':<14}{'seconds':>10}{'peak MiB':>10}")
            print(f"  {'polars-scan':<14}{scan['seconds']:>10.2f}{scan['peak_mib']:>10.0f}")
            print(f"  {'lifenet':<14}{ours['seconds']:>10.2f}{ours['peak_mib']:>10.0f}")
            print(
                f"  {'pandas-apply':<14}{pandas_full:>10.1f}{slow['peak_mib']:>10.0f}"
                f"   (measured {slow['seconds']:.2f} s on {sample:,} rows, scaled linearly)"
            )
            print(f"  lifenet / polars-scan = {vs_scan:.2f}x (target ≤ 3)")
            print(f"  pandas-apply / lifenet = {vs_pandas:.0f}x (target ≥ 50)")
            figures[score] = {
                "polars_scan_s": round(scan["seconds"], 3),
                "lifenet_s": round(ours["seconds"], 3),
                "pandas_apply_s_scaled": round(pandas_full, 1),
                "lifenet_vs_scan": round(vs_scan, 2),
                "pandas_vs_lifenet": round(vs_pandas, 1),
                "runs_s": {
                    "polars_scan": scan["runs_s"],
                    "lifenet": ours["runs_s"],
                    "pandas_apply_sample": slow["runs_s"],
                },
                "peak_mib": {
                    "polars_scan": round(scan["peak_mib"]),
                    "lifenet": round(ours["peak_mib"]),
                    "pandas_apply_sample": round(slow["peak_mib"]),
                },
            }
            met = met and vs_scan <= 3 and vs_pandas >= 50
    target = {"lifenet_vs_scan_max": 3, "pandas_vs_lifenet_min": 50}
    print(json.dumps({"benchmark": "early_warning_batch", "figures": figures, "target": target, "met": met}))


if __name__ == "__main__":
    main()
