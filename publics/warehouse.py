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
SUPERUSER = "publics"
# One schema per layer, plus `restricted` for direct identifiers and `quality` for the
# data-quality history. `raw` and `restricted` are closed to everyone but the owner.
SCHEMAS = ("raw", "staging", "intermediate", "marts", "restricted", "quality")
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
        return ConnInfo("127.0.0.1", int(self._read("port")), SUPERUSER, self._read("password"), DB_NAME)

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
            if self.running():
                if self._ensure_settings():  # changed since it started: what a reload can apply
                    self._run(_find_bindir()[0], "pg_ctl", "reload", "-D", str(self.data), check=False)
                return False
            self._ensure_settings()
            bindir, _ = _find_bindir()
            if not self.log.exists():
                self.log.touch()
            self._chown(self.log)
            self._run(bindir, "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60")
            self._wait_ready()
            self._ensure_database()
            return True

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
                with connect(self.info.with_db("postgres")):
                    return
            except DatabaseError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _ensure_database(self) -> None:
        create_database(self.info.with_db("postgres"), DB_NAME)


def create_database(admin: ConnInfo, name: str) -> None:
    with connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


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


def ensure_schemas(info: ConnInfo, reader_password: str | None = None, secret: bytes | None = None) -> list[str]:
    """Create the layer schemas, the keys' material and the read-only role Metabase uses.
    Idempotent."""
    secret = secret or key_secret()
    with connect(info, autocommit=True) as conn:
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
    return list(SCHEMAS)


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
        with contextlib.suppress(psycopg_errors.InsufficientPrivilege):  # before PostgreSQL 15: the superuser's
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
