"""The ``lifenet`` command: serve, demo, migrate, user, audit."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.db import make_engine, make_sessionmaker, session_scope
from lifenet.lib.errors import InvalidInput
from lifenet.settings import Settings

app = typer.Typer(
    help="LifeNet: software for a regional pediatric critical-care network.", no_args_is_help=True
)
user_app = typer.Typer(
    help="Manage user accounts (as the system, from the server's shell).", no_args_is_help=True
)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err.print(f"[red]Settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _migrate(settings: Settings) -> None:
    """Upgrade the schema, then rewrite registry records stored under an older dictionary
    version with the dictionary's documented changes (nothing to do on most upgrades)."""
    from rich.progress import Progress

    from lifenet.migrations import upgrade
    from lifenet.registry.actions import do_migrate_records

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with (
            session_scope(make_sessionmaker(engine)) as session,
            Progress(console=err, transient=True) as bar,
        ):
            task = bar.add_task("Migrating registry records", total=None)
            done = do_migrate_records(
                session, on_progress=lambda n, total: bar.update(task, completed=n, total=total)
            )
        for form, count in done.migrated.items():
            console.print(f"Migrated {count} {form} records to the current data dictionary.")
    finally:
        engine.dispose()


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    """A session on the configured database; the engine is closed afterwards."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    settings = _settings()
    _migrate(settings)
    console.print(f"Database is up to date ({settings.database_url.split('@')[-1]}).")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema first.")
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (stateless; share the database).")
    ] = 1,
) -> None:
    """Start the web app and API."""
    _serve(_settings(), host, port, migrate_first, workers)


def _serve(settings: Settings, host: str, port: int, migrate_first: bool, workers: int = 1) -> None:
    import uvicorn

    from lifenet.app import create_app

    if migrate_first:
        _migrate(settings)
    console.print(f"LifeNet is running on http://{host}:{port}  (Ctrl+C to stop)")
    if workers > 1:
        # Each worker process builds its own app from the same LIFENET_* environment.
        os.environ.setdefault("LIFENET_ENVIRONMENT", settings.environment)
        uvicorn.run(
            "lifenet.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
        )
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the web app afterwards.")
    ] = True,
    registry_runs: Annotated[
        int, typer.Option(min=0, help="ECLS runs to seed into the registry (realistic, all valid).")
    ] = 2000,
) -> None:
    """Seed the demo network into the configured database if it is empty, then serve."""
    from rich.progress import Progress

    from lifenet.demo import is_empty, seed_demo

    overrides: dict[str, object] = {}
    if "LIFENET_ENVIRONMENT" not in os.environ:
        overrides["environment"] = "development"  # the demo runs with the development secret
    settings = _settings(**overrides)
    _migrate(settings)
    with _database(settings) as session:
        if is_empty(session):
            console.print("Seeding the demo network…")
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("Seeding ECLS runs", total=registry_runs or 1)
                network = seed_demo(
                    session,
                    registry_runs=registry_runs,
                    on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            table = Table(title="Demo accounts (password: lifenet-demo-2026)")
            for column in ("username", "role", "scope"):
                table.add_column(column)
            for row in network.accounts:
                table.add_row(*row)
            console.print(table)
        else:
            console.print("The database already has a network; not seeding. Log in with your accounts.")
    if serve_after:
        _serve(settings, host, port, migrate_first=False)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Log-in name (lower case letters, digits, . _ -).")],
    name: Annotated[str, typer.Option(help="Display name (Chinese).")],
    home: Annotated[str, typer.Option(help="Code of the org unit where the person works.")],
    role: Annotated[str, typer.Option(help="Role code to grant, e.g. clinician.")],
    scope: Annotated[str | None, typer.Option(help="Org-unit code the role covers (default: home).")] = None,
    name_en: Annotated[str, typer.Option(help="Display name (English).")] = "",
    password: Annotated[str | None, typer.Option(help="Initial password (asked for when absent).")] = None,
) -> None:
    """Create a user and grant one role."""
    from lifenet.network import actions, queries
    from lifenet.network.schemas import GrantCreate, UserCreate

    settings = _settings()
    secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _database(settings) as session:
        units = {u.code: u for u in queries.org_tree(session)}
        for option, code in (("--home", home), ("--scope", scope or home)):
            if code not in units:
                err.print(f"[red]{option}:[/red] no org unit with code {code!r}")
                raise typer.Exit(2)
        try:
            user = actions.do_create_user(
                session,
                None,
                UserCreate(
                    username=username,
                    display_name=name,
                    display_name_en=name_en,
                    password=secret,
                    home_org_unit_id=units[home].id,
                ),
            )
            actions.do_grant_role(
                session, None, GrantCreate(user_id=user.id, role=role, org_unit_id=units[scope or home].id)
            )
        except InvalidInput as exc:
            err.print(f"[red]Not created:[/red] {exc}")
            raise typer.Exit(2) from exc
        except ValueError as exc:  # pydantic's ValidationError names the field and rule
            err.print(f"[red]Not created:[/red] {exc}")
            raise typer.Exit(2) from exc
    console.print(f"Created {username} as {role} at {scope or home}.")


@user_app.command("list")
def user_list() -> None:
    """List every user with their home unit and roles."""
    from lifenet.network.models import User

    settings = _settings()
    table = Table()
    for column in ("username", "name", "home", "active", "roles"):
        table.add_column(column)
    with _database(settings) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            roles = ", ".join(f"{g.role.code}@{g.org_unit.code}" for g in user.grants if g.revoked_at is None)
            home = user.home_org_unit.code if user.home_org_unit else ""
            table.add_row(user.username, user.display_name, home, "yes" if user.is_active else "no", roles)
    console.print(table)


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="The account to disable.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
) -> None:
    """Disable an account and end its sessions."""
    from lifenet.network import actions, queries

    settings = _settings()
    with _database(settings) as session:
        user = queries.user_by_username(session, username)
        if user is None:
            err.print(f"[red]No user[/red] {username!r}")
            raise typer.Exit(2)
        actions.do_set_user_active(session, None, user.id, False, reason or None)
    console.print(f"Disabled {username}.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; report the first broken link."""
    settings = _settings()
    with _database(settings) as session:
        report = audit.verify_chain(session)
    if report.ok:
        console.print(f"Audit log intact: {report.checked} entries verified.")
        return
    err.print(
        f"[red]Audit log broken at entry {report.broken_id}:[/red] {report.problem} ({report.checked} entries before it are intact)."
    )
    raise typer.Exit(1)


@app.command()
def score(
    name: Annotated[str | None, typer.Argument(help="Score name (see --list).")] = None,
    input_path: Annotated[
        Path | None, typer.Option("--input", help="CSV/Parquet file, or a PhysioNet set.")
    ] = None,
    output: Annotated[Path, typer.Option(help="Where to write the scores (.csv or .parquet).")] = Path(
        "scores.csv"
    ),
    window: Annotated[
        str, typer.Option(help="Window for worst values in long input, e.g. 24h or 1h.")
    ] = "24h",
    id_column: Annotated[str, typer.Option(help="Patient id column of wide input.")] = "patient_id",
    list_scores: Annotated[bool, typer.Option("--list", help="List every score with its source.")] = False,
    describe: Annotated[bool, typer.Option(help="Print the score's definition as JSON.")] = False,
) -> None:
    """Compute a severity or early-warning score for every patient in a file."""
    from lifenet.early_warning import files
    from lifenet.early_warning.scores import all_scores, get_score

    if list_scores:
        table = Table(title="Scores")
        for column in ("name", "title", "source"):
            table.add_column(column)
        for definition in all_scores().values():
            table.add_row(definition.name, definition.title_en, definition.source)
        console.print(table)
        return
    if name is None:
        err.print("[red]NAME:[/red] give a score name, or --list to see them")
        raise typer.Exit(2)
    try:
        definition = get_score(name)
    except KeyError as exc:
        err.print(f"[red]NAME:[/red] {exc.args[0]}")
        raise typer.Exit(2) from exc
    if describe:
        typer.echo(json.dumps(definition.describe(), ensure_ascii=False, indent=2))
        return
    if input_path is None:
        err.print("[red]--input:[/red] give the file to score")
        raise typer.Exit(2)
    try:
        scored = _score_file(definition, input_path, window, id_column)
    except (files.InputFileError, ValueError) as exc:
        err.print(f"[red]--input:[/red] {exc}")
        raise typer.Exit(2) from exc
    files.write_table(scored.scores, output)
    console.print(f"Scored {scored.scores.height} rows → {output}")
    if scored.ignored_columns:
        console.print(
            f"[yellow]Ignored columns[/yellow] (not inputs of {name}): {', '.join(scored.ignored_columns)}"
        )
    if scored.dropped.height:
        report = files.dropped_path(output)
        files.write_table(scored.dropped, report)
        console.print(f"[yellow]Dropped {scored.dropped.height} rows[/yellow]; reasons in {report}")


def _score_file(definition: Any, path: Path, window: str, id_column: str) -> Any:
    from rich.progress import Progress

    from lifenet.early_warning import files

    shape = files.detect_shape(path)
    if shape != "wide":
        return _score_observations(definition, path, shape, window)
    table = files.read_table(path)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"Scoring {definition.name}", total=table.height)
        return files.score_wide(
            definition, table, id_column=id_column, on_progress=lambda n: progress.advance(task, n)
        )


def _score_observations(definition: Any, path: Path, shape: str, window: str) -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from lifenet.early_warning import files

    span = files.parse_window(window)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        if shape == "physionet":
            from lifenet.early_warning import physionet  # only for these files: it loads SciPy

            task = progress.add_task(f"Reading {path.name}", total=None)
            stays = physionet.read_set(path, on_record=lambda n: progress.update(task, completed=n))
            progress.update(task, description=f"Scoring {definition.name} for {stays.outcomes.height} stays")
            return physionet.score_set(definition, stays, window=span)
        progress.add_task(f"Scoring {definition.name}", total=None)
        return files.score_long(definition, files.read_table(path), window=span)


def _unit_by_code(session: Session, code: str, option: str) -> Any:
    from lifenet.network.models import OrgUnit

    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if unit is None:
        err.print(f"[red]{option}:[/red] no org unit with code {code!r}")
        raise typer.Exit(2)
    return unit


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or Excel .xlsx file, one row per record.")],
    form: Annotated[str, typer.Option(help="Dictionary form of the rows, e.g. patient, episode, ecls_run.")],
    hospital: Annotated[str, typer.Option(help="Code of the hospital (or unit) the records belong to.")],
    report: Annotated[
        Path | None, typer.Option(help="Where to write the error report (default: FILE.errors.csv).")
    ] = None,
    confirm: Annotated[
        list[str] | None,
        typer.Option(help="Accept soft-range values of this field (repeat; 'all' for every one)."),
    ] = None,
    max_mb: Annotated[float, typer.Option(help="Refuse files larger than this many megabytes.")] = 200,
) -> None:
    """Import a registry file: every row, or none with a report of each problem."""
    from rich.progress import Progress

    from lifenet.registry.imports import ImportRefused, do_import_file

    settings = _settings()
    confirmed: Any = "all" if confirm and "all" in confirm else (confirm or ())
    with _database(settings) as session:
        unit = _unit_by_code(session, hospital, "--hospital")
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(f"Importing {file.name}", total=None)

            def advance(stage: str, done: int, total: int) -> None:
                progress.update(task, description=f"{file.name}: {stage}", completed=done, total=total)

            try:
                result = do_import_file(
                    session,
                    None,
                    file,
                    form=form,
                    org_unit_id=unit.id,
                    tz=settings.timezone,
                    confirmed_soft=confirmed,
                    max_bytes=int(max_mb * 1024 * 1024),
                    on_progress=advance,
                )
            except ImportRefused as refused:
                target = refused.report.write_csv(report or file.with_name(file.name + ".errors.csv"))
                progress.stop()
                err.print(
                    f"[red]Not imported:[/red] {refused.report.issues.height} problems; nothing was written."
                )
                for line in refused.errors[:5]:
                    err.print(f"  {line.field}: {line.english()} ({line.rule})")
                err.print(f"Report: {target}")
                raise typer.Exit(1) from refused
            except InvalidInput as exc:
                err.print(f"[red]Not imported:[/red] {exc}")
                raise typer.Exit(1) from exc
    console.print(
        f"Imported {result.created} {form} records from {file.name} ({result.encoding}) at {hospital}; "
        f"{result.patients_registered} new patients."
    )
    if result.ignored_columns:
        console.print(f"[yellow]Ignored REDCap columns:[/yellow] {', '.join(result.ignored_columns)}")


@app.command("export")
def export_file(
    form: Annotated[str, typer.Option(help="Dictionary form to export ('all' with --deidentified).")],
    output: Annotated[Path, typer.Option(help="File to write (a .zip or a folder with --deidentified).")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or parquet.")] = "csv",
    deidentified: Annotated[
        bool, typer.Option(help="The research extract: no identifiers, shifted dates, hashed ids.")
    ] = False,
    user: Annotated[
        str | None, typer.Option(help="Export what this user may see (default: everything, as the system).")
    ] = None,
    min_cell: Annotated[int, typer.Option(help="Suppress summary counts below this.")] = 5,
) -> None:
    """Export registry records as CSV, Excel or Parquet, or a de-identified extract."""
    from lifenet.access import Forbidden
    from lifenet.network import queries as network_queries
    from lifenet.registry import exports
    from lifenet.registry.dictionary import FORM_FILES

    if fmt not in exports.FORMATS:
        err.print(f"[red]--format:[/red] use one of {', '.join(exports.FORMATS)}")
        raise typer.Exit(2)
    settings = _settings()
    with _database(settings) as session:
        principal = None
        if user is not None:
            account = network_queries.user_by_username(session, user)
            if account is None:
                err.print(f"[red]--user:[/red] no user {user!r}")
                raise typer.Exit(2)
            principal = network_queries.load_principal(session, account)
        try:
            if not deidentified:
                output.write_bytes(exports.export_records(session, principal, form, fmt))
                console.print(f"Exported {form} → {output}")
                return
            forms = list(FORM_FILES) if form == "all" else [form]
            key = exports.extract_key(settings.secret_key.get_secret_value())
            files = exports.deidentified_extract(
                session, principal, forms, secret=key, min_cell=min_cell, fmt=fmt
            )
        except InvalidInput as exc:
            err.print(f"[red]--form:[/red] {exc}")
            raise typer.Exit(2) from exc
        except Forbidden as exc:
            err.print(f"[red]--user:[/red] {user} may not export ({exc})")
            raise typer.Exit(1) from exc
    if output.suffix == ".zip":
        output.write_bytes(exports.zipped(files))
    else:
        output.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (output / name).write_bytes(content)
    console.print(f"De-identified extract of {', '.join(forms)} → {output} ({len(files)} files)")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="lifenet")


if __name__ == "__main__":  # pragma: no cover
    main()
