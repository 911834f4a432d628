"""Registry pages: the patient list, a patient's records, and forms built from the dictionary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lifenet.access import Permission
from lifenet.lib.errors import N_, InvalidInput
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import actions, messages, queries, validation
from lifenet.registry.dictionary import Dictionary, Field, Form, load_dictionary
from lifenet.registry.models import QUERY_STATES, RegistryRecord
from lifenet.web import i18n
from lifenet.web.deps import CsrfChecked, CurrentPageUser, Db, PageUser, get_settings
from lifenet.web.render import error_status, render, translate_errors

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
REGISTRY = ("/registry", N_("Registry"))


async def multi_form_data(request: Request) -> dict[str, list[str]]:
    """Every submitted value by name (checkbox groups send one name many times)."""
    form = await request.form()
    found: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            found.setdefault(key, []).append(value)
    return found


MultiFormData = Annotated[dict[str, list[str]], Depends(multi_form_data)]


def one(posted: dict[str, list[str]], name: str) -> str:
    """The last value posted under ``name`` ("" when none)."""
    return (posted.get(name) or [""])[-1]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ----- converting between stored values, typed form text and validation input --------------


def _raw_values(form: Form, posted: dict[str, list[str]]) -> dict[str, Any]:
    """What the user typed, for validation: lists for multiple choices, text otherwise."""
    values: dict[str, Any] = {}
    for field in form.fields:
        if field.type == "calculated" or field.name not in posted:
            continue
        given = [v for v in posted[field.name] if v.strip()]
        if field.is_list:
            values[field.name] = given
        elif given:
            values[field.name] = given[-1]
    return values


def _as_text(field: Field, value: Any, zone: ZoneInfo) -> Any:
    """A stored value as the form shows it (date-times in the hospital's zone)."""
    if value is None:
        return "" if not field.is_list else []
    if field.type == "datetime" and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    if field.type == "yesno":
        return "yes" if value else "no"
    if field.is_list:
        return list(value)
    return str(value)


def _stored_as_form(form: Form, values: dict[str, Any], tz: str) -> dict[str, Any]:
    zone = ZoneInfo(tz)
    return {f.name: _as_text(f, values.get(f.name), zone) for f in form.fields}


def _shown(
    dictionary: Dictionary, form: Form, values: dict[str, Any], *, tz: str, context: dict[str, dict[str, Any]]
) -> set[str]:
    result = validation.validate_record(
        form, values, today=actions.today_in(tz), tz=tz, context=context, dictionary=dictionary
    )
    return set(result.shown)


# ----- rendering a form --------------------------------------------------------------------


def _form_page(
    request: Request,
    me: PageUser,
    *,
    dictionary: Dictionary,
    form: Form,
    action: str,
    values: dict[str, Any],
    branching: dict[str, Any] | None = None,
    context: dict[str, dict[str, Any]] | None = None,
    title_suffix: str = "",
    errors: InvalidInput | None = None,
    record: RegistryRecord | None = None,
    units: list[OrgUnit] | None = None,
    crumbs: list[tuple[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A dictionary form. ``values`` fill the inputs; ``branching`` (the values as typed or
    stored, default ``values``) and ``context`` (related records) decide which fields show."""
    tz = zone_of(request)
    shown = _shown(dictionary, form, values if branching is None else branching, tz=tz, context=context or {})
    title = (form.label_zh if me.language.startswith("zh") else form.label_en) + title_suffix
    warnings = errors.errors if isinstance(errors, actions.UnconfirmedValues) else []
    hard = errors.errors if errors is not None and not warnings else []
    translate = messages.translator(me.language, dictionary)
    page = {
        "form": form,
        "dictionary": dictionary,
        "sections": _sections(form),
        "action": action,
        "title": title,
        "values": values,
        "shown": shown,
        "errors": translate_errors(me.language, hard, translate),
        "warnings": translate_errors(me.language, warnings, translate),
        "record": record,
        "units": units or [],
        "crumbs": crumbs or [],
        "choices": {f.name: _choices(dictionary, f, me.language) for f in form.fields},
    } | (extra or {})
    status = 200 if errors is None else error_status(errors)
    return render(request, "registry/form.html", page, user=me, active="registry", status_code=status)


def _sections(form: Form) -> list[tuple[str | None, list[Field]]]:
    """Fields grouped by section, in the dictionary's order."""
    grouped: list[tuple[str | None, list[Field]]] = []
    for field in form.fields:
        if not grouped or grouped[-1][0] != field.section:
            grouped.append((field.section, []))
        grouped[-1][1].append(field)
    return grouped


def _choices(dictionary: Dictionary, field: Field, lang: str) -> list[tuple[str, str]]:
    codelist = dictionary.codelist_of(field)
    if codelist is None:
        return []
    return [(c.code, c.zh if lang.startswith("zh") else c.en) for c in codelist.choices]


def _writable_units(db: Db, me: PageUser) -> list[OrgUnit]:
    return network_queries.visible_units(db, me.principal, Permission.WRITE_PATIENTS)


def chosen_unit(text: str) -> int:
    """The hospital picked in a form's select, or an error naming the field."""
    if not text.isdigit():
        raise InvalidInput.one("org_unit_id", "required", N_("Choose the hospital."))
    return int(text)


def zone_of(request: Request) -> str:
    return get_settings(request).timezone


# ----- the patient list ---------------------------------------------------------------------


@router.get("/registry", response_class=HTMLResponse)
def patient_list(
    request: Request,
    me: CurrentPageUser,
    db: Db,
    q: str = Query("", max_length=32),
    page: int = Query(1, ge=1),
) -> Response:
    me.principal.require_anywhere(Permission.READ_PATIENTS)
    rows = queries.visible_patients(
        db, me.principal, search=q, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    hospitals = {u.id: u for u in network_queries.hospitals(db)}
    context = {
        "rows": rows[:PAGE_SIZE],
        "more": len(rows) > PAGE_SIZE,
        "page": page,
        "q": q,
        "units": {u.id: u for u in network_queries.visible_units(db, me.principal, Permission.READ_PATIENTS)}
        | hospitals,
        "can_register": me.principal.can_anywhere(Permission.WRITE_PATIENTS),
        "can_import": me.principal.can_anywhere(Permission.IMPORT_DATA),
        "can_export": me.principal.can_anywhere(Permission.EXPORT_DATA),
    }
    return render(request, "registry/list.html", context, user=me, active="registry")


# ----- registering a patient ----------------------------------------------------------------


def _hospitals(db: Db, me: PageUser) -> list[OrgUnit]:
    return [u for u in _writable_units(db, me) if u.kind == "hospital"]


def _hospital_form(
    db: Db, hospitals: list[OrgUnit], chosen: str, form_name: str
) -> tuple[Dictionary, Form, str]:
    """The form of the hospital chosen (with its local fields), or of the only hospital the
    user writes for; the core form while none is chosen. Returns the hospital id as text."""
    ids = {str(u.id) for u in hospitals}
    if chosen not in ids:
        chosen = next(iter(ids)) if len(ids) == 1 else ""
    dictionary = queries.dictionary_for(db, int(chosen)) if chosen else load_dictionary()
    return dictionary, dictionary.form(form_name), chosen


def _new_patient_page(
    request: Request,
    me: PageUser,
    db: Db,
    chosen: str,
    values: dict[str, Any] | None = None,
    errors: InvalidInput | None = None,
) -> Response:
    hospitals = _hospitals(db, me)
    dictionary, form, chosen = _hospital_form(db, hospitals, chosen, "patient")
    return _form_page(
        request,
        me,
        dictionary=dictionary,
        form=form,
        action="/registry/patients/new",
        values=(values or {}) | {"org_unit_id": chosen},
        branching=values or {},
        errors=errors,
        units=hospitals,
        crumbs=[REGISTRY],
        extra={"unit_id": chosen} if chosen else None,
    )


@router.get("/registry/patients/new", response_class=HTMLResponse)
def new_patient_form(
    request: Request, me: CurrentPageUser, db: Db, hospital: str = Query("", max_length=12)
) -> Response:
    """The patient form; once the hospital is chosen (or when the user has one), with that
    hospital's local fields."""
    me.principal.require_anywhere(Permission.WRITE_PATIENTS)
    return _new_patient_page(request, me, db, hospital)


@router.post("/registry/patients/new", dependencies=[CsrfChecked])
def register_patient(request: Request, me: CurrentPageUser, db: Db, posted: MultiFormData) -> Response:
    me.principal.require_anywhere(Permission.WRITE_PATIENTS)
    unit_text = one(posted, "org_unit_id")
    _dictionary, form, _chosen = _hospital_form(db, _hospitals(db, me), unit_text, "patient")
    values = _raw_values(form, posted)
    try:
        record = actions.do_register_with_form(
            db,
            me.principal,
            org_unit_id=chosen_unit(unit_text),
            values=values,
            confirmed=posted.get("confirm", []),
            tz=zone_of(request),
        )
    except InvalidInput as exc:
        db.rollback()
        return _new_patient_page(request, me, db, unit_text, values, exc)
    return redirect(f"/registry/patients/{record.patient_id}?saved=1")


# ----- admitting a child transferred from another network hospital ---------------------------


def _transfer_page(
    request: Request,
    me: PageUser,
    db: Db,
    network_id: str,
    values: dict[str, Any],
    errors: InvalidInput | None = None,
) -> Response:
    hospitals = _hospitals(db, me)
    dictionary, form, chosen = _hospital_form(db, hospitals, values.get("org_unit_id", ""), "episode")
    return _form_page(
        request,
        me,
        dictionary=dictionary,
        form=form,
        action="/registry/transfers/new",
        title_suffix=f" · {network_id}",
        values=values | {"org_unit_id": chosen},
        branching=values,
        errors=errors,
        units=hospitals,
        crumbs=[REGISTRY],
        extra={"network_id": network_id} | ({"unit_id": chosen} if chosen else {}),
    )


@router.get("/registry/transfers/new", response_class=HTMLResponse)
def new_transfer_form(
    request: Request,
    me: CurrentPageUser,
    db: Db,
    network_id: str = Query(..., max_length=32),
    hospital: str = Query("", max_length=12),
) -> Response:
    me.principal.require_anywhere(Permission.WRITE_PATIENTS)
    values = {"referral_source": "other_hospital", "org_unit_id": hospital}
    return _transfer_page(request, me, db, network_id.strip().upper(), values)


@router.post("/registry/transfers/new", dependencies=[CsrfChecked])
def admit_transfer(request: Request, me: CurrentPageUser, db: Db, posted: MultiFormData) -> Response:
    me.principal.require_anywhere(Permission.WRITE_PATIENTS)
    network_id = one(posted, "network_id")
    unit_text = one(posted, "org_unit_id")
    _dictionary, form, _chosen = _hospital_form(db, _hospitals(db, me), unit_text, "episode")
    values = _raw_values(form, posted)
    try:
        episode = actions.do_admit_transfer(
            db,
            me.principal,
            network_id=network_id,
            org_unit_id=chosen_unit(unit_text),
            values=values,
            confirmed=posted.get("confirm", []),
            tz=zone_of(request),
        )
    except InvalidInput as exc:
        db.rollback()
        return _transfer_page(request, me, db, network_id, values | {"org_unit_id": unit_text}, exc)
    return redirect(f"/registry/patients/{episode.patient_id}?saved=1")


# ----- one patient --------------------------------------------------------------------------


@router.get("/registry/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: int, me: CurrentPageUser, db: Db, saved: int = 0) -> Response:
    patient, records = queries.access_patient(db, me.principal, patient_id)
    dictionary = load_dictionary()
    zone = ZoneInfo(zone_of(request))
    children = {name: f for name, f in dictionary.forms.items() if f.parent}
    context = {
        "patient": patient,
        "records": records,
        "tree": queries.children_of(records),
        "forms": dictionary.forms,
        "child_forms": {
            parent: [f for f in children.values() if f.parent == parent] for parent in dictionary.forms
        },
        "units": {u.id: u for u in network_queries.visible_units(db, me.principal, Permission.READ_PATIENTS)},
        "saved": bool(saved),
        "summary": {r.id: _summary(dictionary, r, me.language, zone) for r in records},
    }
    return render(request, "registry/patient.html", context, user=me, active="registry")


def _summary(dictionary: Dictionary, record: RegistryRecord, lang: str, zone: ZoneInfo) -> str:
    """The first few filled-in core fields of a record, for the patient page's overview."""
    form, values = dictionary.forms[record.form], record.values
    _ = i18n.gettext_for(lang)
    parts = []
    for field in form.fields:
        value = values.get(field.name)
        if value in (None, "", []) or field.identifier or field.type in ("text", "multichoice"):
            continue
        codelist = dictionary.codelist_of(field)
        if codelist is not None:
            choice = codelist.choice(str(value))
            value = (choice.zh if lang.startswith("zh") else choice.en) if choice else value
        elif field.type == "yesno":
            value = _("yes") if value else _("no")
        elif field.type == "datetime":
            value = _as_text(field, value, zone).replace("T", " ")
        unit = f" {i18n.unit_label(field.unit, lang)}" if field.unit else ""
        parts.append(f"{field.label(lang)}: {value}{unit}")
        if len(parts) == 4:
            break
    return " · ".join(parts)


# ----- a new record under a parent ----------------------------------------------------------


def _new_record_page(
    request: Request,
    me: PageUser,
    db: Db,
    parent: RegistryRecord,
    form: Form,
    values: dict[str, Any],
    errors: InvalidInput | None = None,
) -> Response:
    return _form_page(
        request,
        me,
        dictionary=queries.dictionary_for(db, parent.org_unit_id),
        form=form,
        action=f"/registry/records/{parent.id}/add/{form.name}",
        values=values,
        context=actions.record_context(db, parent.patient_id, parent.id),
        errors=errors,
        crumbs=[REGISTRY, (f"/registry/patients/{parent.patient_id}", N_("Patient"))],
        extra={"patient_id": parent.patient_id, "parent_id": parent.id, "unit_id": parent.org_unit_id},
    )


def _child_form(db: Db, parent: RegistryRecord, form_name: str) -> Form:
    form = queries.dictionary_for(db, parent.org_unit_id).form(form_name)
    if form.parent != parent.form:
        raise InvalidInput.one("form", "parent", N_("A %(form)s form does not belong here."), form=form_name)
    return form


@router.get("/registry/records/{record_id}/add/{form_name}", response_class=HTMLResponse)
def new_record_form(
    request: Request, record_id: int, form_name: str, me: CurrentPageUser, db: Db
) -> Response:
    parent = queries.access_record(db, me.principal, record_id)
    unit = network_queries.get_org_unit(db, parent.org_unit_id)
    me.principal.require(Permission.WRITE_PATIENTS, unit.path, where=unit.code)
    return _new_record_page(request, me, db, parent, _child_form(db, parent, form_name), {})


@router.post("/registry/records/{record_id}/add/{form_name}", dependencies=[CsrfChecked])
def save_new_record(
    request: Request, record_id: int, form_name: str, me: CurrentPageUser, db: Db, posted: MultiFormData
) -> Response:
    parent = queries.access_record(db, me.principal, record_id)
    form = _child_form(db, parent, form_name)
    values = _raw_values(form, posted)
    try:
        actions.do_save_form(
            db,
            me.principal,
            patient_id=parent.patient_id,
            form=form.name,
            org_unit_id=parent.org_unit_id,
            values=values,
            parent_id=parent.id,
            confirmed=posted.get("confirm", []),
            tz=zone_of(request),
        )
    except InvalidInput as exc:
        db.rollback()
        return _new_record_page(request, me, db, parent, form, values, exc)
    return redirect(f"/registry/patients/{parent.patient_id}?saved=1")


# ----- viewing and changing a saved record ----------------------------------------------------


def _record_page(
    request: Request,
    me: PageUser,
    db: Db,
    record: RegistryRecord,
    values: dict[str, Any] | None = None,
    errors: InvalidInput | None = None,
    reason: str = "",
) -> Response:
    dictionary = queries.dictionary_for(db, record.org_unit_id)
    form = dictionary.form(record.form)
    shown_values = values if values is not None else _stored_as_form(form, record.values, zone_of(request))
    unit = network_queries.get_org_unit(db, record.org_unit_id)
    return _form_page(
        request,
        me,
        dictionary=dictionary,
        form=form,
        action=f"/registry/records/{record.id}",
        values=shown_values,
        branching=values if values is not None else record.values,
        context=actions.record_context(db, record.patient_id, record.parent_id),
        errors=errors,
        record=record,
        crumbs=[REGISTRY, (f"/registry/patients/{record.patient_id}", N_("Patient"))],
        extra={
            "can_write": me.principal.can(Permission.WRITE_PATIENTS, unit.path) and record.locked_at is None,
            "can_lock": me.principal.can(Permission.LOCK_RECORDS, unit.path),
            "can_raise": me.principal.can(Permission.RAISE_QUERIES, unit.path),
            "can_answer": me.principal.can(Permission.WRITE_PATIENTS, unit.path),
            "queries": queries.visible_queries(db, me.principal, states=QUERY_STATES, record_id=record.id),
            "reason": reason,
            "unit_id": record.org_unit_id,
        },
    )


@router.get("/registry/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, record_id: int, me: CurrentPageUser, db: Db) -> Response:
    return _record_page(request, me, db, queries.access_record(db, me.principal, record_id))


@router.post("/registry/records/{record_id}", dependencies=[CsrfChecked])
def save_record(
    request: Request, record_id: int, me: CurrentPageUser, db: Db, posted: MultiFormData
) -> Response:
    record = queries.access_record(db, me.principal, record_id)
    form = queries.dictionary_for(db, record.org_unit_id).form(record.form)
    values = _raw_values(form, posted)
    reason = one(posted, "reason")
    version_text = one(posted, "version")
    try:
        actions.do_edit_form(
            db,
            me.principal,
            record.id,
            values,
            expected_version=int(version_text) if version_text.isdigit() else -1,
            reason=reason,
            confirmed=posted.get("confirm", []),
            tz=zone_of(request),
        )
    except InvalidInput as exc:
        db.rollback()
        record = queries.access_record(db, me.principal, record_id)
        return _record_page(request, me, db, record, values, exc, reason)
    return redirect(f"/registry/patients/{record.patient_id}?saved=1")


@router.post("/registry/records/{record_id}/lock", dependencies=[CsrfChecked])
def lock_record(record_id: int, me: CurrentPageUser, db: Db, posted: MultiFormData) -> Response:
    record = queries.access_record(db, me.principal, record_id)
    locked = (posted.get("locked") or ["1"])[-1] == "1"
    reason = one(posted, "reason")
    actions.do_set_record_lock(db, me.principal, record.id, locked=locked, reason=reason)
    return redirect(f"/registry/records/{record.id}")


# ----- live branching -------------------------------------------------------------------------


@router.post("/registry/forms/{form_name}/shown", dependencies=[CsrfChecked])
def shown_fields(
    request: Request, form_name: str, me: CurrentPageUser, db: Db, posted: MultiFormData
) -> JSONResponse:
    """Which fields the typed values show: the form's script hides the rest as the user types.

    The rules run here, in the same code as validation, so the browser never evaluates a
    second copy of them.
    """
    parent_text = one(posted, "_parent_id")
    unit_text = one(posted, "_unit_id")
    context: dict[str, dict[str, Any]] = {}
    dictionary = load_dictionary()
    if parent_text.isdigit():
        parent = queries.access_record(db, me.principal, int(parent_text))
        context = actions.record_context(db, parent.patient_id, parent.id)
    if unit_text.isdigit():
        # The record's hospital: its local fields branch too.
        unit = network_queries.access_org_unit(db, me.principal, int(unit_text), Permission.VIEW_ORG)
        dictionary = queries.dictionary_for(db, unit.id)
    form = dictionary.form(form_name)
    shown = _shown(dictionary, form, _raw_values(form, posted), tz=zone_of(request), context=context)
    return JSONResponse({"shown": sorted(shown)})
