"""Rendering a registry form page with 100 fields: the median time of a signed-in GET.

The largest core form (the pre-ECLS assessment, about 60 fields) is extended with local
decimal fields, stored as the hospital's dictionary extension, to exactly 100 fields, and the
new-record page is requested through the real app on a fresh SQLite database. The baseline
in the same run is ``/healthz`` (no template, no session), so the ratio says what the form
costs. Target (issue 3): median < 100 ms on this machine.

    python benchmarks/registry_form_page.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

FIELDS = 100


def hundred_field_dictionary() -> object:
    from lifenet.registry.dictionary import Field, extend, load_dictionary

    core = load_dictionary()
    missing = FIELDS - len(core.forms["pre_ecls"].fields)
    local = [
        Field(
            name=f"local_measure_{n}",
            form="pre_ecls",
            label_en=f"Local measure {n}",
            label_zh=f"本院指标 {n}",
            type="decimal",
            unit="mmol/L",
            min=0,
            max=100,
            soft_min=1,
            soft_max=50,
        )
        for n in range(1, missing + 1)
    ]
    return extend(core, local)


def timed(client: TestClient, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:300]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 30 if args.quick else 200

    from lifenet.app import create_app
    from lifenet.db import make_engine, make_sessionmaker
    from lifenet.demo import seed_demo
    from lifenet.migrations import upgrade
    from lifenet.network import queries as network_queries
    from lifenet.network.demo import DEMO_PASSWORD
    from lifenet.registry import actions, redcap
    from lifenet.registry.models import RegistryRecord
    from lifenet.settings import Settings

    extended = hundred_field_dictionary()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, environment="development", log_json=False, log_level="WARNING")
        upgrade(make_engine(url))
        with make_sessionmaker(make_engine(url))() as session:
            seed_demo(session, registry_runs=5)
            episode = session.query(RegistryRecord).filter_by(form="episode").first()
            assert episode is not None
            episode_id = episode.id
            hospital = network_queries.hospital_of(
                session, network_queries.get_org_unit(session, episode.org_unit_id)
            )
            assert hospital is not None
            data_manager = f"{hospital.code}.dm"
            # The hospital's local fields, kept as its REDCap dictionary, as a data manager would.
            actions.do_set_dictionary_extension(session, None, hospital.id, redcap.export_redcap(extended))
        client = TestClient(create_app(settings), follow_redirects=False)
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": token, "username": data_manager, "password": DEMO_PASSWORD})
        form_url = f"/registry/records/{episode_id}/add/pre_ecls"
        fields = client.get(form_url).text.count("data-field=")
        timed(client, form_url, 5)  # warm the template cache
        baseline = statistics.median(timed(client, "/healthz", repeat))
        form = statistics.median(timed(client, form_url, repeat))
    print(f"form page with {fields} fields: median {form:.1f} ms over {repeat} requests")
    print(f"/healthz baseline:          median {baseline:.1f} ms  (ratio {form / baseline:.1f}x)")
    figures = {"fields": fields, "form_median_ms": round(form, 2), "healthz_median_ms": round(baseline, 2)}
    print(
        json.dumps(
            {
                "benchmark": "registry_form_page",
                "figures": figures,
                "target": {"form_median_ms_max": 100, "fields": FIELDS},
                "met": form < 100 and fields >= FIELDS,
            }
        )
    )


if __name__ == "__main__":
    main()
