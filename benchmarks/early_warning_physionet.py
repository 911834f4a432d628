"""SAPS-I and SOFA for all 8,000 PhysioNet/CinC 2012 stays, end to end from the raw archives.

Reads ``set-a.tar.gz`` and ``set-b.tar.gz`` (streamed with tarfile), scores both scores over
the first 24 hours with :mod:`lifenet.early_warning.batch`, compares with the organizers'
``Outcomes-*.txt`` and computes AUROCs with DeLong intervals. Prints the time of each step
and ends with one JSON line. Targets (agreement with the organizers, on both sets): SAPS-I
≥ 60 % exact and ≥ 82 % within ±1; SOFA ≥ 75 % exact. See docs/physionet-agreement.md.

    python benchmarks/early_warning_physionet.py [--quick]   (--quick is the same run)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from lifenet.early_warning import physionet

TARGET = {"saps1_exact_min": 60.0, "saps1_within_one_min": 82.0, "sofa_exact_min": 75.0}


def data_folder() -> Path:
    shared = Path(os.environ.get("LIFENET_SHARED_DIR", Path(__file__).resolve().parents[1].parent / "shared"))
    return shared / "data" / "physionet-challenge-2012"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="accepted for `make bench`; the run is already short"
    )
    parser.parse_args()
    folder = data_folder()
    if not folder.exists():
        print(f"no data at {folder} (set LIFENET_SHARED_DIR)", file=sys.stderr)
        sys.exit(2)
    figures: dict[str, Any] = {}
    met = True
    started = time.perf_counter()
    for letter in "ab":
        t0 = time.perf_counter()
        data = physionet.read_set(folder, letter)
        t1 = time.perf_counter()
        report = physionet.report(data)
        t2 = time.perf_counter()
        print(
            f"set {letter.upper()}: {data.descriptors.height:,} stays, {data.observations.height:,} observations;"
            f" read {t1 - t0:.2f} s, scored and compared {t2 - t1:.2f} s"
        )
        for score in ("saps1", "sofa"):
            agreement = getattr(report, score)
            print(
                f"  {score:5s} exact {agreement.exact:5.1f} %  ±1 {agreement.within_one:5.1f} %"
                f"  mean |diff| {agreement.mean_absolute_difference:.2f}  ({agreement.records:,} records)"
            )
        for name, result in report.auroc.items():
            print(f"  AUROC {name:17s} {result.auc:.3f} ({result.ci_low:.3f}–{result.ci_high:.3f})")
        figures[f"set_{letter}"] = {
            "saps1_exact": round(report.saps1.exact, 2),
            "saps1_within_one": round(report.saps1.within_one, 2),
            "saps1_mad": round(report.saps1.mean_absolute_difference, 3),
            "sofa_exact": round(report.sofa.exact, 2),
            "sofa_within_one": round(report.sofa.within_one, 2),
            "sofa_mad": round(report.sofa.mean_absolute_difference, 3),
            "auroc": {
                name: [round(r.auc, 4), round(r.ci_low, 4), round(r.ci_high, 4)]
                for name, r in report.auroc.items()
            },
            "seconds": round(t2 - t0, 2),
        }
        met = met and report.saps1.exact >= TARGET["saps1_exact_min"]
        met = met and report.saps1.within_one >= TARGET["saps1_within_one_min"]
        met = met and report.sofa.exact >= TARGET["sofa_exact_min"]
    total = time.perf_counter() - started
    figures["total_seconds"] = round(total, 2)
    print(f"8,000 stays end to end in {total:.2f} s")
    print(
        json.dumps({"benchmark": "early_warning_physionet", "figures": figures, "target": TARGET, "met": met})
    )


if __name__ == "__main__":
    main()
