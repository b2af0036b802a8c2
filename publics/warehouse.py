"""The warehouse: `DATABASE_URL` when set, otherwise a local cluster the project starts.

The embedded default is a throwaway PostgreSQL cluster under `<project>/.local/pg/`, listening
on 127.0.0.1 only, started from the system PostgreSQL binaries (through `runuser -u postgres`
when we run as root, since PostgreSQL refuses to run as root) or, where the machine has none,
from the `pgserver` wheel. Starting is idempotent: a running cluster is reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from psycopg import errors as psycopg_errors
from psycopg import sql

# The connection value lives in the lowest layer (the loader connects too); it is re-exported here.
from ingestion import keys
from ingestion.connection import ConnInfo, DatabaseError, connect
from publics.project import project_root

DB_NAME = "publics"
SUPERUSER = "publics"  # the local cluster's: creates the cluster, its roles and databases, nothing else
OWNER_ROLE = "publics_owner"  # owns the warehouse: the pipeline and dbt connect as it (as in Docker)
# One schema per layer, plus `restricted` for direct identifiers and `quality` for the
# data-quality history. `raw` and `restricted` are closed to everyone but the owner.
SCHEMAS = ("raw", "staging", "intermediate", "marts", "restricted", "quality", "scores")  # scores: publics score
READER_ROLE = "publics_reader"  # what Metabase connects as: marts only

# The server log must hold no personal data: a failed COPY's error CONTEXT line quotes the
# offending row (e-mails included), and the statement of a failed query may quote values.
# `terse` drops DETAIL, HINT, QUERY and CONTEXT; `panic` never logs the failing statement. Both
# are superuser settings: the local cluster gets them here; a server of your own needs them
# from its administrator (docs/acces.md).
LOG_SETTINGS = {"log_error_verbosity": "terse", "log_min_error_statement": "panic"}


# --------------------------------------------------------------------------- local cluster


def _find_bindir() -> tuple[Path, str]:
    """PostgreSQL binaries: $PUBLICS_PG_BIN, the system's newest, or the pgserver wheel."""
    env = os.environ.get("PUBLICS_PG_BIN")
    if env:
        return Path(env), "PUBLICS_PG_BIN"
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for bindir in reversed(candidates):
        if (bindir / "initdb").exists():
            return bindir, "system"
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out), "system"
    bindir = pgserver_bindir()
    if bindir:
        return bindir, "pgserver wheel"
    raise DatabaseError(
        "no PostgreSQL binaries found: install PostgreSQL (e.g. `apt-get install postgresql`), "
        "`pip install pgserver`, set PUBLICS_PG_BIN, or point DATABASE_URL at a running server"
    )


def pgserver_bindir() -> Path | None:
    """The PostgreSQL build shipped in the `pgserver` wheel (located, not imported: importing it
    starts its own machinery we do not use)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if (bindir / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalCluster:
    """A PostgreSQL cluster living in `root` (data, port, password, log)."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def _read(self, name: str) -> str:
        return (self.root / name).read_text().strip()

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists() and (self.root / "port").exists()

    @property
    def info(self) -> ConnInfo:
        """What the pipeline, dbt and the tests connect as: the owner role, not the superuser."""
        return ConnInfo("127.0.0.1", int(self._read("port")), OWNER_ROLE, self.owner_password(), DB_NAME)

    @property
    def admin_info(self) -> ConnInfo:
        """The superuser: cluster, roles and databases only (start, create and drop databases)."""
        return ConnInfo("127.0.0.1", int(self._read("port")), SUPERUSER, self._read("password"), DB_NAME)

    def owner_password(self) -> str:
        """The owner role's password, generated once and kept (0600) beside the superuser's."""
        path = self.root / "owner_password"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(18) + "\n")
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def key_secret_file(self) -> Path:
        return self.root / "key_secret"

    def key_secret(self) -> bytes:
        """The secret of the keyed hashes for this cluster, generated once and kept (0600)."""
        if not self.key_secret_file.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            self.key_secret_file.write_text(secrets.token_hex(32) + "\n")
            self.key_secret_file.chmod(0o600)
        return self.key_secret_file.read_text().strip().encode("utf-8")

    def _ensure_settings(self) -> bool:
        """The log settings (LOG_SETTINGS) and the analytics settings sized from the machine
        (publics/pg_settings.py), written to a cluster made before them too. True if changed."""
        from publics import pg_settings

        conf = self.data / "postgresql.auto.conf"
        text = conf.read_text() if conf.exists() else ""
        missing = [f"{k} = '{v}'\n" for k, v in LOG_SETTINGS.items() if f"\n{k} = " not in f"\n{text}"]
        if missing:
            with open(conf, "a") as fh:
                fh.writelines(missing)
        return pg_settings.apply_to_conf(conf, pg_settings.settings_for_local_cluster()) or bool(missing)

    # PostgreSQL refuses to run as root: run its tools as the `postgres` system user then.
    def _as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise DatabaseError(
                "PostgreSQL does not run as root: create a `postgres` system user to own the cluster "
                "(useradd --system postgres) or run as an ordinary user"
            ) from exc
        return ["runuser", "-u", "postgres", "--"]

    def _run(self, bindir: Path, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self._as_owner(), str(bindir / tool), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise DatabaseError(f"{tool} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def running(self) -> bool:
        if not self.initialised:
            return False
        bindir, _ = _find_bindir()
        return self._run(bindir, "pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def init(self) -> None:
        bindir, _ = _find_bindir()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.data.exists():
            shutil.rmtree(self.data)  # a half-made cluster from an interrupted init
        self.data.mkdir(mode=0o700)
        self._chown(self.data)
        password = secrets.token_urlsafe(18)
        pwfile = self.root / "initdb.pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._chown(pwfile)
        try:
            self._run(
                bindir, "initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        port = int(os.environ.get("PUBLICS_PG_PORT") or _free_port())
        (self.root / "password").write_text(password + "\n")
        (self.root / "password").chmod(0o600)
        (self.root / "port").write_text(f"{port}\n")
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
            )  # the analytics settings (durability traded for speed) are added at start

    def start(self) -> bool:
        """Start the cluster (initialising it first if needed). Returns False if it was running."""
        with self._lock():
            if not self.initialised:
                self.init()
            self.key_secret()
            started = not self.running()
            if started:
                self._ensure_settings()
                bindir, _ = _find_bindir()
                if not self.log.exists():
                    self.log.touch()
                self._chown(self.log)
                self._run(bindir, "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60")
                self._wait_ready()
            elif self._ensure_settings():  # changed since it started: what a reload can apply
                self._run(_find_bindir()[0], "pg_ctl", "reload", "-D", str(self.data), check=False)
            # also on a running cluster: one made before the owner role is upgraded here
            self.ensure_roles()
            self._ensure_database()
            return started

    def stop(self) -> bool:
        with self._lock():
            if not self.running():
                return False
            bindir, _ = _find_bindir()
            self._run(bindir, "pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
            return True

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with connect(self.admin_info.with_db("postgres")):
                    return
            except DatabaseError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def ensure_roles(self, reader_password: str | None = None) -> None:
        """As the superuser: the owner role (login, no superuser, no CREATEDB, no CREATEROLE,
        its password kept in `owner_password`), the reader role Metabase uses (its password from
        the argument or PUBLICS_READER_PASSWORD: the owner may not set it), and no CONNECT to the
        `postgres` maintenance database for PUBLIC. Idempotent."""
        reader_password = reader_password or os.environ.get("PUBLICS_READER_PASSWORD")
        with connect(self.admin_info.with_db("postgres"), autocommit=True) as conn:
            owner, reader = sql.Identifier(OWNER_ROLE), sql.Identifier(READER_ROLE)
            verb = "alter" if conn.execute("select 1 from pg_roles where rolname = %s", (OWNER_ROLE,)).fetchone() \
                else "create"
            conn.execute(sql.SQL(verb + " role {} with login nosuperuser nocreatedb nocreaterole password {}").format(
                owner, sql.Literal(self.owner_password())))
            if not conn.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone():
                conn.execute(sql.SQL("create role {} nologin").format(reader))
            if reader_password:
                conn.execute(sql.SQL("alter role {} login password {}").format(reader, sql.Literal(reader_password)))
            conn.execute("revoke connect on database postgres from public")

    def _ensure_database(self) -> None:
        create_database(self.admin_info.with_db("postgres"), DB_NAME, owner=OWNER_ROLE)
        adopt_database(self.admin_info.with_db(DB_NAME), OWNER_ROLE)


def create_database(admin: ConnInfo, name: str, owner: str | None = None) -> None:
    with connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}{}").format(
                sql.Identifier(name), sql.SQL(" owner {}").format(sql.Identifier(owner)) if owner else sql.SQL("")))


# ALTER … OWNER TO, by pg_class.relkind (a table's own sequences and indexes follow the table)
_RELATION_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table",
                   "S": "sequence"}


def adopt_database(admin: ConnInfo, owner: str) -> int:
    """As the superuser, connected to the database: the owner role becomes the owner of the
    database, of its schemas and of every relation and routine in them that another role owns
    (a cluster made when the superuser ran the pipeline). REASSIGN OWNED cannot do it: the
    objects of the bootstrap superuser are « required by the database system ». Grants are
    kept. Returns how many objects changed owner (0 once done)."""
    changed = 0
    with connect(admin) as conn:
        role = sql.Identifier(owner)
        db = conn.execute("select current_database()").fetchone()[0]
        if conn.execute("select pg_get_userbyid(datdba) <> %s from pg_database where datname = %s",
                        (owner, db)).fetchone()[0]:
            conn.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(db), role))
            changed += 1
        schemas = [*SCHEMAS, "public"]
        for (schema,) in conn.execute(
                "select nspname from pg_namespace where nspname = any(%s) and pg_get_userbyid(nspowner) "
                "not in (%s, 'pg_database_owner')", (schemas, owner)).fetchall():
            conn.execute(sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), role))
            changed += 1
        for name, kind in conn.execute(
                "select c.oid::regclass::text, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = any(%s) and pg_get_userbyid(c.relowner) <> %s and c.relkind = any(%s) "
                "and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass "
                "and d.objid = c.oid and d.deptype in ('a', 'i'))",  # sequences owned by a column follow it
                (schemas, owner, list(_RELATION_KINDS))).fetchall():
            conn.execute(sql.SQL("alter {} {} owner to {}").format(sql.SQL(_RELATION_KINDS[kind]), sql.SQL(name), role))
            changed += 1
        for (routine,) in conn.execute(
                "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                "where n.nspname = any(%s) and pg_get_userbyid(p.proowner) <> %s", (schemas, owner)).fetchall():
            conn.execute(sql.SQL("alter routine {} owner to {}").format(sql.SQL(routine), role))
            changed += 1
        conn.commit()
    return changed


def scratch_database(name: str) -> tuple[ConnInfo, ConnInfo]:
    """A database of its own on the warehouse's server (a benchmark's, a CI gate's), created
    empty: (what to work in it as, what drops it). On the local cluster the superuser creates it
    for the owner role, which works in it as the pipeline does; with DATABASE_URL, that role
    creates it and works in it (it needs CREATEDB there)."""
    if os.environ.get("DATABASE_URL"):
        admin = ConnInfo.from_url(os.environ["DATABASE_URL"])
        create_database(admin, name)
        return admin.with_db(name), admin
    cluster = local_cluster()
    cluster.start()
    admin = cluster.admin_info.with_db("postgres")
    create_database(admin, name, owner=OWNER_ROLE)
    return cluster.info.with_db(name), admin


def drop_database(admin: ConnInfo, name: str) -> None:
    with connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def local_cluster() -> LocalCluster:
    return LocalCluster(project_root() / ".local" / "pg")


def resolve(start: bool = True) -> tuple[ConnInfo, str]:
    """The warehouse to use and where it comes from ("DATABASE_URL" or "local cluster")."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return ConnInfo.from_url(url), "DATABASE_URL"
    cluster = local_cluster()
    if start:
        cluster.start()
    elif not cluster.initialised:
        raise DatabaseError("the local cluster does not exist yet: run `publics db up`")
    return cluster.info, f"local cluster in {cluster.root}"


def key_secret() -> bytes:
    """The secret of the keyed hashes: PUBLICS_KEY_SECRET, else (no DATABASE_URL) the local
    cluster's own; a server named by DATABASE_URL requires the variable."""
    secret = keys.secret_from_env()
    if secret:
        return secret
    if os.environ.get("DATABASE_URL"):
        raise keys.MissingKeySecret(
            f"{keys.SECRET_ENV} is not set: with DATABASE_URL the keys' secret must come from the "
            "environment (e.g. `openssl rand -hex 32`, kept with the other secrets; a new one means "
            "a full rebuild, docs/cles.md)"
        )
    return local_cluster().key_secret()


SETUP_LOCK_KEY = 0x7075626C6964  # transaction-level: one warehouse set-up at a time per database
# What two set-ups racing can still raise (the role is cluster-wide, the lock per database):
# the loser retries, and finds the winner's work done.
SETUP_RACES = (psycopg_errors.UniqueViolation, psycopg_errors.DuplicateObject, psycopg_errors.DuplicateSchema,
               psycopg_errors.InternalError_, psycopg_errors.DeadlockDetected,
               psycopg_errors.SerializationFailure)


def ensure_schemas(info: ConnInfo, reader_password: str | None = None, secret: bytes | None = None) -> list[str]:
    """Create the layer schemas, the keys' material and the read-only role Metabase uses.
    Idempotent, and safe when started twice at once: one transaction under a transaction-level
    advisory lock, retried when another database's set-up wins a race on the cluster-wide role
    (or "tuple concurrently updated" on a grant)."""
    secret = secret or key_secret()
    for attempt in range(5):
        try:
            with connect(info) as conn, conn.transaction():
                conn.execute("select pg_advisory_xact_lock(%s)", (SETUP_LOCK_KEY,))
                _setup(conn, reader_password, secret)
            return list(SCHEMAS)
        except SETUP_RACES:
            if attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))
    return list(SCHEMAS)


def _setup(conn, reader_password: str | None, secret: bytes) -> None:
    for schema in SCHEMAS:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    for schema in ("raw", "restricted"):
        conn.execute(sql.SQL("revoke all on schema {} from public").format(sql.Identifier(schema)))
    keys.install_key_material(conn, secret)
    _close_database(conn)
    has_role = conn.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone()
    can_create_role = conn.execute(
        "select rolsuper or rolcreaterole from pg_roles where rolname = current_user"
    ).fetchone()[0]
    if not has_role and can_create_role:
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(READER_ROLE)))
        has_role = True
    if has_role:
        if reader_password and can_create_role:
            conn.execute(
                sql.SQL("alter role {} login password {}").format(
                    sql.Identifier(READER_ROLE), sql.Literal(reader_password)
                )
            )
        _grant_reader(conn)


def _close_database(conn) -> None:
    """What PUBLIC gets by default and nobody needs: TEMP on the warehouse (a reader could create
    objects there) and, on a cluster of our own, CONNECT to the `postgres` maintenance database.
    Done where the current role may (the database's owner, a superuser); a server of your own
    otherwise needs its administrator (docs/acces.md)."""
    db = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
    owner_or_super = conn.execute(
        "select pg_has_role(current_user, datdba, 'MEMBER') or (select rolsuper from pg_roles where rolname = current_user) "
        "from pg_database where datname = current_database()"
    ).fetchone()[0]
    if owner_or_super:
        conn.execute(sql.SQL("revoke temporary on database {} from public").format(db))
        # before PostgreSQL 15: the superuser's (a savepoint: the set-up is one transaction)
        with contextlib.suppress(psycopg_errors.InsufficientPrivilege), conn.transaction():
            conn.execute("revoke create on schema public from public")
    if conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]:
        conn.execute("revoke connect on database postgres from public")


def _grant_reader(conn) -> None:
    """The reader (Metabase): CONNECT to the warehouse, USAGE on `marts` and SELECT on its tables,
    now and to come — nothing else (dashboard 18 reads marts.dash_18_data_quality, not `quality`)."""
    role = sql.Identifier(READER_ROLE)
    db = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
    conn.execute(sql.SQL("grant connect on database {} to {}").format(db, role))
    conn.execute(sql.SQL("grant usage on schema marts to {}").format(role))
    conn.execute(sql.SQL("grant select on all tables in schema marts to {}").format(role))
    conn.execute(sql.SQL("alter default privileges in schema marts grant select on tables to {}").format(role))


def table_counts(info: ConnInfo, schema: str) -> list[tuple[str, int]]:
    """Every table of a schema with its exact row count."""
    with connect(info, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s "
            "and table_type = 'BASE TABLE' order by table_name", (schema,))]
        return [
            (t, conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(schema, t))).fetchone()[0])
            for t in tables
        ]
