"""The import page: a data manager uploads a file, watches the job, and gets either the
records or a downloadable report of every problem (and nothing written)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lifenet.registry.models import RegistryRecord
from tests.conftest import World

GOOD = (
    "network_id,sex,registration_date,birth_date,weight_kg\n"
    ",female,2025-03-02,2023-06-15,11.5\n"
    ",male,2025-04-10,2020-01-20,18\n"
)
BAD = GOOD + ",male,2025-04-10,2020-01-20,900\n"


def upload(world: World, content: str, language: str = "en") -> tuple[str, str]:
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": language, "next": "/"})
    started = client.post(
        "/registry/import",
        data={"csrf_token": csrf, "org_unit_id": str(world.unit("funan")), "form": "patient"},
        files={"file": ("patients.csv", content.encode("utf-8"), "text/csv")},
    )
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    # The test client runs the background job before it returns; a browser polls the status.
    status = client.get(f"{job_url}/status").text
    return job_url, status


def records(world: World) -> int:
    with world.session() as session:
        return session.scalar(select(func.count()).select_from(RegistryRecord)) or 0


def test_a_good_file_is_imported_as_a_job(world: World) -> None:
    before = records(world)
    _job, status = upload(world, GOOD)
    assert 'data-state="done"' in status
    assert "Imported 2 records from 2 rows." in status
    assert records(world) == before + 2


def test_a_bad_row_refuses_the_whole_file_with_a_report(world: World) -> None:
    before = records(world)
    job_url, status = upload(world, BAD)
    assert 'data-state="refused"' in status
    assert records(world) == before
    client, _csrf = world.page_client("county_a_dm")
    report = client.get(f"{job_url}/report.csv")
    assert report.status_code == 200
    assert re.search(r"^3,weight_kg,900,range,", report.text.lstrip("\ufeff").splitlines()[1])


def test_a_chinese_reader_gets_the_problems_and_the_report_in_chinese(world: World) -> None:
    late = ",female,2025-03-02,2030-01-01,11.5\n"  # born in the future
    job_url, status = upload(world, BAD + late, language="zh_Hans")
    assert "发现的问题：2 个。" in status
    assert "900 超出允许范围" in status and "2030-01-01 是将来的日期" in status
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    lines = client.get(f"{job_url}/report.csv").text.lstrip("\ufeff").splitlines()
    assert lines[0] == "row,field,value,rule,message,severity"
    assert lines[1].startswith("3,weight_kg,900,range,900 超出允许范围")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    english = client.get(f"{job_url}/report.csv").text
    assert "900 is outside the allowed range" in english


def test_another_user_cannot_open_the_job(world: World) -> None:
    job_url, _status = upload(world, GOOD)
    client, _csrf = world.page_client("county_a_doctor")
    assert client.get(job_url).status_code == 404
