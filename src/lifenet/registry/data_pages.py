"""Registry pages for data managers and quality officers: data quality and queries, imports
(as jobs) and exports, and a hospital's local fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from lifenet.access import Permission
from lifenet.lib.errors import N_, InvalidInput
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import actions, data_quality, exports, import_jobs, messages, queries
from lifenet.registry import api as registry_api
from lifenet.registry.dictionary import load_dictionary, local_fields
from lifenet.registry.pages import MultiFormData, chosen_unit, one, redirect, zone_of
from lifenet.web.deps import CsrfChecked, CurrentPageUser, Db, PageUser, get_settings
from lifenet.web.render import error_status, render, translate_errors

router = APIRouter(include_in_schema=False)


# ----- data quality -----------------------------------------------------------------------------

QUERY_STATES = (N_("open"), N_("answered"), N_("closed"))
JOB_WORDS = (N_("queued"), N_("running"), N_("done"), N_("refused"), N_("failed"))
JOB_STAGES = (N_("read"), N_("validate"), N_("link"), N_("write"))
CATEGORY_LABELS = {
    "missing_required": N_("Missing required"),
    "out_of_range": N_("Out of range"),
    "soft_range": N_("Unusual values"),
    "inconsistent_dates": N_("Inconsistent dates"),
    "inconsistent_values": N_("Inconsistent values"),
    "invalid_values": N_("Invalid values"),
    "stale": N_("Stale records"),
}


@router.get("/registry/quality", response_class=HTMLResponse)
def quality_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    """Per hospital and form: counts of each kind of problem, and the open queries."""
    me.principal.require_anywhere(Permission.READ_PATIENTS)
    today = actions.today_in(zone_of(request))
    context = {
        "rows": data_quality.summary(db, me.principal, today=today, tz=zone_of(request)),
        "categories": [(c, CATEGORY_LABELS[c]) for c in data_quality.CATEGORIES],
        "forms": load_dictionary().forms,
        "queries": queries.visible_queries(db, me.principal),
    }
    return render(request, "registry/quality.html", context, user=me, active="registry")


@router.get("/registry/quality/problems", response_class=HTMLResponse)
def quality_problems(
    request: Request,
    me: CurrentPageUser,
    db: Db,
    hospital: int = Query(...),
    form: str = Query(..., max_length=32),
    rule: str = Query(..., max_length=32),
) -> Response:
    """The records behind one count of the data-quality page, each linked."""
    me.principal.require_anywhere(Permission.READ_PATIENTS)
    found = data_quality.problems(
        db,
        me.principal,
        hospital_id=hospital,
        form=load_dictionary().form(form).name,
        rule=rule,
        today=actions.today_in(zone_of(request)),
        tz=zone_of(request),
    )
    dictionary = queries.dictionary_for(db, hospital)
    translate = messages.translator(me.language, dictionary)
    shown = dictionary.form(form)
    context = {
        "problems": [
            (p, messages.problem_text(translate, shown, p.field, p.rule, p.value, p.message)) for p in found
        ],
        "form": shown,
        "rule": rule,
        "rule_label": CATEGORY_LABELS.get(rule, rule),
        "can_raise": me.principal.can_anywhere(Permission.RAISE_QUERIES),
    }
    return render(request, "registry/problems.html", context, user=me, active="registry")


@router.post("/registry/records/{record_id}/queries", dependencies=[CsrfChecked])
def raise_query(record_id: int, me: CurrentPageUser, db: Db, posted: MultiFormData) -> Response:
    record = queries.access_record(db, me.principal, record_id)
    field = one(posted, "field")
    rule = one(posted, "rule") or None
    question = one(posted, "question")
    actions.do_raise_query(db, me.principal, record.id, field=field, question=question, rule=rule)
    return redirect(f"/registry/records/{record.id}#queries")


@router.post("/registry/queries/{query_id}/answer", dependencies=[CsrfChecked])
def answer_query(query_id: int, me: CurrentPageUser, db: Db, posted: MultiFormData) -> Response:
    query = actions.do_answer_query(db, me.principal, query_id, answer=one(posted, "answer"))
    return redirect(f"/registry/records/{query.record_id}#queries")


@router.post("/registry/queries/{query_id}/close", dependencies=[CsrfChecked])
def close_query(query_id: int, me: CurrentPageUser, db: Db) -> Response:
    query = actions.do_close_query(db, me.principal, query_id)
    return redirect(f"/registry/records/{query.record_id}#queries")


# ----- import (as a job) and export --------------------------------------------------------------


def _import_units(db: Db, me: PageUser) -> list[OrgUnit]:
    units = network_queries.visible_units(db, me.principal, Permission.IMPORT_DATA)
    return [u for u in units if u.kind == "hospital"]


@router.get("/registry/import", response_class=HTMLResponse)
def import_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    me.principal.require_anywhere(Permission.IMPORT_DATA)
    context = {
        "units": _import_units(db, me),
        "forms": load_dictionary().forms,
        "jobs": import_jobs.recent_jobs(db, me.principal),
    }
    return render(request, "registry/import.html", context, user=me, active="registry")


@router.post("/registry/import", dependencies=[CsrfChecked])
async def start_import(
    request: Request, background: BackgroundTasks, me: CurrentPageUser, db: Db
) -> Response:
    """Take the upload, queue the job and show its page at once; the import runs after."""
    me.principal.require_anywhere(Permission.IMPORT_DATA)
    async with request.form() as posted:
        upload = posted.get("file")
        unit_text, form_name = str(posted.get("org_unit_id", "")), str(posted.get("form", ""))
        confirm_all = posted.get("confirm_all") == "1"
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            raise InvalidInput.one("file", "required", N_("Choose the file to import."))
        job = import_jobs.do_start_import_job(
            db, me.principal, org_unit_id=chosen_unit(unit_text), form=form_name, file_name=upload.filename
        )
        raw = await upload.read()
    background.add_task(
        import_jobs.run_import_job,
        request.app.state.sessionmaker,
        job.id,
        me.principal,
        raw,
        tz=zone_of(request),
        confirm_all=confirm_all,
    )
    return redirect(f"/registry/import/{job.id}")


def _job_context(db: Db, me: PageUser, job_id: int) -> dict[str, Any]:
    job = import_jobs.access_import_job(db, me.principal, job_id)
    stage, done, total = import_jobs.live_progress(job)
    context: dict[str, Any] = {
        "job": job,
        "stage": stage,
        "done": done,
        "total": total,
        "forms": load_dictionary().forms,
    }
    if job.report_csv:
        dictionary = queries.dictionary_for(db, job.org_unit_id)
        translate = messages.translator(me.language, dictionary)
        form = dictionary.form(job.form)
        context["problems"], context["problem_count"] = messages.report_rows(
            job.report_csv, form, translate, 20
        )
    return context


@router.get("/registry/import/{job_id}", response_class=HTMLResponse)
def import_job_page(request: Request, job_id: int, me: CurrentPageUser, db: Db) -> Response:
    return render(
        request, "registry/import_job.html", _job_context(db, me, job_id), user=me, active="registry"
    )


@router.get("/registry/import/{job_id}/status", response_class=HTMLResponse)
def import_job_status(request: Request, job_id: int, me: CurrentPageUser, db: Db) -> Response:
    """The progress partial the job page polls until the job ends."""
    return render(request, "registry/_import_status.html", _job_context(db, me, job_id), user=me)


@router.get("/registry/import/{job_id}/report.csv")
def import_job_report(job_id: int, me: CurrentPageUser, db: Db) -> Response:
    """Every problem of a refused import, worded in the reader's language."""
    job = import_jobs.access_import_job(db, me.principal, job_id)
    dictionary = queries.dictionary_for(db, job.org_unit_id)
    translate = messages.translator(me.language, dictionary)
    return Response(
        messages.localized_report(job.report_csv or "", dictionary.form(job.form), translate),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )


@router.get("/registry/export", response_class=HTMLResponse)
def export_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    can_export = me.principal.can_anywhere(Permission.EXPORT_DATA)
    can_extract = can_export or me.principal.can_anywhere(Permission.READ_DEIDENTIFIED)
    if not can_extract:
        me.principal.require_anywhere(Permission.EXPORT_DATA)
    context = {
        "forms": load_dictionary().forms,
        "formats": exports.FORMATS,
        "can_export": can_export,
        "can_extract": can_extract,
    }
    return render(request, "registry/export.html", context, user=me, active="registry")


@router.get("/registry/export/records")
def export_download(
    me: CurrentPageUser,
    db: Db,
    form: str = Query(..., max_length=32),
    format: str = Query("csv", pattern="^(csv|xlsx|parquet)$"),  # noqa: A002 - the query parameter's name
) -> Response:
    return registry_api.export_response(db, me.principal, form, format)


@router.get("/registry/export/extract.zip")
def extract_download(request: Request, me: CurrentPageUser, db: Db) -> Response:
    """The de-identified research extract of every form, zipped."""
    if not me.principal.can_anywhere(Permission.READ_DEIDENTIFIED):
        me.principal.require_anywhere(Permission.EXPORT_DATA)
    key = exports.extract_key(get_settings(request).secret_key.get_secret_value())
    files = exports.deidentified_extract(db, me.principal, list(load_dictionary().forms), secret=key)
    return Response(
        exports.zipped(files),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="lifenet-deidentified-extract.zip"'},
    )


# ----- a hospital's local fields -------------------------------------------------------------


def _dictionary_page(request: Request, me: PageUser, db: Db, errors: InvalidInput | None = None) -> Response:
    hospitals = _import_units(db, me)
    context = {
        "hospitals": [(u, local_fields(queries.dictionary_for(db, u.id))) for u in hospitals],
        "errors": translate_errors(me.language, errors.errors) if errors else {},
    }
    status = 200 if errors is None else error_status(errors)
    return render(
        request, "registry/dictionary.html", context, user=me, active="registry", status_code=status
    )


@router.get("/registry/dictionary", response_class=HTMLResponse)
def dictionary_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    """Each hospital's local fields: download its REDCap dictionary, upload a changed one."""
    me.principal.require_anywhere(Permission.IMPORT_DATA)
    return _dictionary_page(request, me, db)


@router.post("/registry/dictionary", dependencies=[CsrfChecked])
async def upload_dictionary(request: Request, me: CurrentPageUser, db: Db) -> Response:
    me.principal.require_anywhere(Permission.IMPORT_DATA)
    async with request.form() as posted:
        upload, unit_text = posted.get("file"), str(posted.get("org_unit_id", ""))
        raw = await upload.read() if isinstance(upload, StarletteUpload) else b""
    try:
        unit_id = chosen_unit(unit_text)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput.one("file", "encoding", N_("Send the CSV as UTF-8.")) from error
        actions.do_set_dictionary_extension(db, me.principal, unit_id, text)
    except InvalidInput as exc:
        db.rollback()
        return _dictionary_page(request, me, db, exc)
    return redirect("/registry/dictionary")


@router.get("/registry/dictionary/{unit_id}.csv")
def download_dictionary(unit_id: int, me: CurrentPageUser, db: Db) -> Response:
    return registry_api.dictionary_download(db, me.principal, unit_id)
