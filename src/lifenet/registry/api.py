"""JSON API of the registry, under /api/v1/registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from lifenet.access import Permission, Principal
from lifenet.lib.errors import N_, InvalidInput
from lifenet.network import queries as network_queries
from lifenet.registry import actions, exports, imports, queries, redcap
from lifenet.registry.dictionary import load_dictionary, local_fields
from lifenet.registry.schemas import (
    LockChange,
    PatientCreate,
    PatientListItem,
    PatientOut,
    QueryAnswer,
    QueryCreate,
    QueryOut,
    RecordCreate,
    RecordOut,
    RecordUpdate,
    TransferAdmit,
)
from lifenet.web.deps import CurrentApiUser, Db, get_settings

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])


@router.get("/dictionary")
def read_dictionary(me: CurrentApiUser) -> dict[str, Any]:
    """The data dictionary: every form and field (type, unit, ranges, branching), code lists."""
    return load_dictionary().model_dump(mode="json")


@router.get("/dictionary/redcap.csv", response_class=PlainTextResponse)
def read_redcap_dictionary(me: CurrentApiUser) -> PlainTextResponse:
    """The data dictionary as a REDCap-compatible 18-column CSV."""
    return PlainTextResponse(
        redcap.export_redcap(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="lifenet_data_dictionary.csv"'},
    )


@router.get("/patients")
def list_patients(
    me: CurrentApiUser,
    db: Db,
    search: str = Query("", max_length=32, description="Start of a network id."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[PatientListItem]:
    """Patients with records you may read, most recently changed first."""
    me.principal.require_anywhere(Permission.READ_PATIENTS)
    rows = queries.visible_patients(db, me.principal, search=search, limit=limit, offset=offset)
    return [PatientListItem(**row.__dict__) for row in rows]


def _patient_out(db: Db, me: CurrentApiUser, patient_id: int) -> PatientOut:
    patient, records = queries.access_patient(db, me.principal, patient_id)
    return PatientOut(
        id=patient.id,
        network_id=patient.network_id,
        org_unit_id=patient.org_unit_id,
        records=[RecordOut.model_validate(r) for r in records],
    )


@router.post("/patients", status_code=201)
def register_patient(data: PatientCreate, request: Request, me: CurrentApiUser, db: Db) -> PatientOut:
    """Register a child: LifeNet gives the network id and saves the patient form.

    Hard errors and unconfirmed soft-range values answer 422, each naming the field and rule;
    repeat the request with ``confirm`` listing the unusual values you checked.
    """
    record = actions.do_register_with_form(
        db,
        me.principal,
        org_unit_id=data.org_unit_id,
        values=data.values,
        confirmed=data.confirm,
        tz=get_settings(request).timezone,
    )
    return _patient_out(db, me, record.patient_id)


@router.get("/patients/{patient_id}")
def read_patient(patient_id: int, me: CurrentApiUser, db: Db) -> PatientOut:
    """The patient and the records you may read (another hospital's part stays hidden)."""
    return _patient_out(db, me, patient_id)


@router.post("/records", status_code=201)
def create_record(data: RecordCreate, request: Request, me: CurrentApiUser, db: Db) -> RecordOut:
    """Fill in a form under a record you may read (an ECLS run under an episode …)."""
    parent = queries.access_record(db, me.principal, data.parent_id)
    record = actions.do_save_form(
        db,
        me.principal,
        patient_id=parent.patient_id,
        form=data.form,
        org_unit_id=data.org_unit_id or parent.org_unit_id,
        values=data.values,
        parent_id=parent.id,
        confirmed=data.confirm,
        tz=get_settings(request).timezone,
    )
    return RecordOut.model_validate(record)


@router.post("/transfers", status_code=201)
def admit_transfer(data: TransferAdmit, request: Request, me: CurrentApiUser, db: Db) -> RecordOut:
    """Admit a child registered at another network hospital: a new episode under their one
    patient form; the two hospitals then share the patient form and this episode."""
    episode = actions.do_admit_transfer(
        db,
        me.principal,
        network_id=data.network_id,
        org_unit_id=data.org_unit_id,
        values=data.values,
        confirmed=data.confirm,
        tz=get_settings(request).timezone,
    )
    return RecordOut.model_validate(episode)


@router.get("/records/{record_id}")
def read_record(record_id: int, me: CurrentApiUser, db: Db) -> RecordOut:
    return RecordOut.model_validate(queries.access_record(db, me.principal, record_id))


@router.patch("/records/{record_id}")
def update_record(
    record_id: int, data: RecordUpdate, request: Request, me: CurrentApiUser, db: Db
) -> RecordOut:
    """Change fields of a saved record: the version you read and a reason are required."""
    record = queries.access_record(db, me.principal, record_id)
    values = {k: v for k, v in ({**record.values, **data.values}).items() if v is not None}
    updated = actions.do_edit_form(
        db,
        me.principal,
        record_id,
        values,
        expected_version=data.version,
        reason=data.reason,
        confirmed=data.confirm,
        tz=get_settings(request).timezone,
    )
    return RecordOut.model_validate(updated)


@router.post("/records/{record_id}/lock")
def lock_record(record_id: int, me: CurrentApiUser, db: Db) -> RecordOut:
    """Lock a reviewed record (data managers): no change until it is unlocked."""
    return RecordOut.model_validate(actions.do_set_record_lock(db, me.principal, record_id, locked=True))


@router.post("/records/{record_id}/unlock")
def unlock_record(record_id: int, data: LockChange, me: CurrentApiUser, db: Db) -> RecordOut:
    """Unlock a record for correction; the reason is kept in the audit log."""
    record = actions.do_set_record_lock(db, me.principal, record_id, locked=False, reason=data.reason)
    return RecordOut.model_validate(record)


@router.get("/queries")
def list_queries(
    me: CurrentApiUser, db: Db, state: str = Query("open", pattern="^(open|answered|closed)$")
) -> list[QueryOut]:
    """Data-quality queries on records you may read, oldest first."""
    me.principal.require_anywhere(Permission.READ_PATIENTS)
    return [QueryOut.model_validate(q) for q in queries.visible_queries(db, me.principal, states=(state,))]


@router.post("/records/{record_id}/queries", status_code=201)
def raise_query(record_id: int, data: QueryCreate, me: CurrentApiUser, db: Db) -> QueryOut:
    """Ask the record's hospital to check one field (quality officers)."""
    record = queries.access_record(db, me.principal, record_id)
    query = actions.do_raise_query(
        db, me.principal, record.id, field=data.field, question=data.question, rule=data.rule
    )
    return QueryOut.model_validate(query)


@router.post("/queries/{query_id}/answer")
def answer_query(query_id: int, data: QueryAnswer, me: CurrentApiUser, db: Db) -> QueryOut:
    """The hospital's answer: corrected, or why the value is right."""
    return QueryOut.model_validate(actions.do_answer_query(db, me.principal, query_id, answer=data.answer))


@router.post("/queries/{query_id}/close")
def close_query(query_id: int, me: CurrentApiUser, db: Db) -> QueryOut:
    """Accept the answer and close the query (quality officers)."""
    return QueryOut.model_validate(actions.do_close_query(db, me.principal, query_id))


@router.post("/imports", status_code=201)
async def import_file(
    request: Request,
    me: CurrentApiUser,
    db: Db,
    form: str = Query(..., max_length=32),
    org_unit_id: int = Query(...),
    confirm_all: bool = Query(False, description="Accept every unusual (soft-range) value in the file."),
) -> dict[str, Any]:
    """Import a CSV or Excel file (multipart field ``file``): every row or none.

    A refused file answers 422 with the problems (row, field, value, rule, message).
    """
    me.principal.require_anywhere(Permission.IMPORT_DATA)  # before reading the upload
    async with request.form() as posted:
        upload = posted.get("file")
        if not isinstance(upload, StarletteUpload):
            raise InvalidInput.one("file", "required", N_("Choose the file to import."))
        raw, name = await upload.read(), upload.filename or "upload"
    report = await run_in_threadpool(
        imports.do_import_file,
        db,
        me.principal,
        raw,
        form=form,
        org_unit_id=org_unit_id,
        tz=get_settings(request).timezone,
        file_name=name,
        confirmed_soft="all" if confirm_all else (),
    )
    return {
        "file_name": report.file_name,
        "form": report.form,
        "encoding": report.encoding,
        "rows": report.rows,
        "created": report.created,
        "patients_registered": report.patients_registered,
        "ignored_columns": report.ignored_columns,
    }


@router.get("/export")
def export(
    me: CurrentApiUser,
    db: Db,
    form: str = Query(..., max_length=32),
    format: str = Query("csv", pattern="^(csv|xlsx|parquet)$"),  # noqa: A002 - the query parameter's name
) -> Response:
    """The records of ``form`` you may export (your hospitals), as CSV, Excel or Parquet."""
    return export_response(db, me.principal, form, format)


def export_response(db: Db, principal: Principal, form: str, fmt: str) -> Response:
    """The export file of ``form`` as a download (also served by the export page)."""
    principal.require_anywhere(Permission.EXPORT_DATA)
    content = exports.export_records(db, principal, load_dictionary().form(form).name, fmt)
    return Response(
        content,
        media_type=exports.media_type(fmt),
        headers={"Content-Disposition": f'attachment; filename="lifenet-{form}.{fmt}"'},
    )


@router.get("/hospitals/{unit_id}/dictionary.csv", response_class=PlainTextResponse)
def read_hospital_dictionary(unit_id: int, me: CurrentApiUser, db: Db) -> PlainTextResponse:
    """A hospital's dictionary (core fields and its local ones) as a REDCap CSV."""
    return dictionary_download(db, me.principal, unit_id)


def dictionary_download(db: Db, principal: Principal, unit_id: int) -> PlainTextResponse:
    """A hospital's REDCap dictionary as a download (also served by the local-fields page)."""
    unit = network_queries.access_org_unit(db, principal, unit_id, Permission.VIEW_ORG)
    return PlainTextResponse(
        redcap.export_redcap(queries.dictionary_for(db, unit.id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="lifenet_dictionary_{unit.code}.csv"'},
    )


@router.put("/hospitals/{unit_id}/dictionary")
async def set_hospital_dictionary(
    unit_id: int, request: Request, me: CurrentApiUser, db: Db
) -> dict[str, Any]:
    """Replace a hospital's local fields with those of a REDCap data dictionary (the CSV body).

    Core fields must all be there, unchanged; a broken file answers 422 naming each field.
    """
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput.one("file", "encoding", N_("Send the CSV as UTF-8.")) from error
    extension = await run_in_threadpool(actions.do_set_dictionary_extension, db, me.principal, unit_id, text)
    local = local_fields(queries.dictionary_for(db, extension.org_unit_id))
    return {"org_unit_id": extension.org_unit_id, "local_fields": local}
