"""The docker-compose stack, checked without Docker.

docker-compose.yml is validated against the official Compose Specification JSON schema
(vendored in tests/unit/compose_spec.json, see COMPOSE_SPEC_PROVENANCE.md), then against the
project's own rules: pinned images, health checks, healthy dependencies, loopback-only ports,
every credential from .env, and a pipeline service that builds the repo's Dockerfile and runs
`publics run`. Variables are interpolated the way Compose does, with the values of .env.example.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote, urlsplit

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SCHEMA_FILE = Path(__file__).with_name("compose_spec.json")
SCHEMA_SHA256 = "46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)")
PLACEHOLDER = "change-me"
# A version-looking tag: 15.15-bookworm, v0.56.19.1, 3.11.14-slim-bookworm …
VERSIONED_TAG = re.compile(r"^v?\d+\.\d+(\.\d+)*([.-][A-Za-z0-9.-]+)?$")


# --------------------------------------------------------------------------- helpers


class InterpolationError(ValueError):
    pass


_REFERENCE = re.compile(
    r"""\$(?:
        (?P<escaped>\$)
      | \{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}
      | (?P<named>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<invalid>)
    )""",
    re.VERBOSE,
)


def interpolate_string(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, ${VAR:+alternative}, ${VAR+alternative}."""

    def replace(m: re.Match[str]) -> str:
        if m.group("escaped") is not None:
            return "$"
        if m.group("named") is not None:
            return env.get(m.group("named"), "")
        name = m.group("braced")
        if name is None:
            raise InterpolationError(f"invalid interpolation at {m.start()} in {text!r}")
        op, arg = m.group("op"), m.group("arg")
        value = env.get(name)
        is_set, non_empty = value is not None, bool(value)
        if op is None:
            return value or ""
        if op == ":-":
            return value if non_empty else arg
        if op == "-":
            return value if is_set else arg
        if op == ":?":
            if not non_empty:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return value
        if op == "?":
            if not is_set:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return value
        if op == ":+":
            return arg if non_empty else ""
        if op == "+":
            return arg if is_set else ""
        raise AssertionError(op)  # pragma: no cover - the regex allows no other operator

    return _REFERENCE.sub(replace, text)


def interpolate(node, env: dict[str, str]):
    """Interpolate every string value of a parsed compose document (keys are left alone)."""
    if isinstance(node, str):
        return interpolate_string(node, env)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def references(text: str) -> list[tuple[str, str | None, str | None]]:
    """(name, operator, argument) of every variable reference; `$$` escapes are skipped."""
    found = []
    for m in _REFERENCE.finditer(text):
        if m.group("escaped") is not None:
            continue
        if m.group("named") is not None:
            found.append((m.group("named"), None, None))
        elif m.group("braced") is not None:
            found.append((m.group("braced"), m.group("op"), m.group("arg")))
        else:
            raise InterpolationError(f"invalid interpolation at {m.start()}")
    return found


def parse_env_file(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f"{path.name}:{number}: not KEY=VALUE: {line!r}"
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        assert re.fullmatch(r"[A-Za-z_]\w*", key), f"{path.name}:{number}: bad name {key!r}"
        assert key not in env, f"{path.name}:{number}: {key} defined twice"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        env[key] = value
    return env


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        logical.append(current)
        current = ""
    if current:
        logical.append(current)
    result = []
    for entry in logical:
        keyword, _, args = entry.partition(" ")
        result.append((keyword.upper(), " ".join(args.split())))
    return result


def import_from_repo(module: str):
    """Import a module of the project from this checkout, installed or not."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(module)


def service_env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def raw_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(raw_text) -> dict:
    doc = yaml.safe_load(raw_text)
    assert isinstance(doc, dict), "docker-compose.yml is not a mapping"
    return doc


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def resolved(compose, env_example) -> dict:
    return interpolate(compose, env_example)


def schema_errors(validator, document) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(document)
    ]


# --------------------------------------------------------------------------- the schema


def test_vendored_schema_is_the_recorded_compose_spec():
    data = SCHEMA_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, (
        "compose_spec.json changed: update COMPOSE_SPEC_PROVENANCE.md and SCHEMA_SHA256"
    )
    schema = json.loads(data)
    assert schema["title"] == "Compose Specification"
    assert "services" in schema["properties"]
    provenance = SCHEMA_FILE.with_name("COMPOSE_SPEC_PROVENANCE.md").read_text(encoding="utf-8")
    assert SCHEMA_SHA256 in provenance


def test_compose_file_validates_against_compose_spec(validator, compose):
    assert schema_errors(validator, compose) == []


def test_schema_really_rejects_broken_compose_files(validator, compose):
    """The validation above is only worth something if the schema catches mistakes."""
    typo = copy.deepcopy(compose)
    typo["services"]["warehouse"]["healthchek"] = typo["services"]["warehouse"].pop("healthcheck")
    assert schema_errors(validator, typo), "an unknown service key went through"

    bad_condition = copy.deepcopy(compose)
    metabase_deps = bad_condition["services"]["metabase"]["depends_on"]
    metabase_deps["metabase-db"]["condition"] = "service_ready"
    assert schema_errors(validator, bad_condition), "an unknown depends_on condition went through"

    bad_top = copy.deepcopy(compose)
    bad_top["servcies"] = bad_top.pop("services")
    assert schema_errors(validator, bad_top), "an unknown top-level key went through"


def test_resolved_compose_file_still_validates(validator, resolved):
    assert schema_errors(validator, resolved) == []


# --------------------------------------------------------------------------- services


def test_expected_services(services):
    assert set(services) == {"warehouse", "metabase-db", "metabase", "pipeline", "scheduler"}


def test_images_have_pinned_version_tags(services):
    images = {name: svc["image"] for name, svc in services.items() if "image" in svc}
    assert set(images) == {"warehouse", "metabase-db", "metabase"}
    for name, image in images.items():
        assert "$" not in image, f"{name}: the image must not come from a variable: {image}"
        reference = image.partition("@")[0]
        assert ":" in reference.rsplit("/", 1)[-1], f"{name}: image without a tag: {image}"
        tag = reference.rsplit(":", 1)[1]
        assert tag != "latest" and "latest" not in tag, f"{name}: floating tag {image}"
        assert VERSIONED_TAG.match(tag), f"{name}: tag {tag!r} is not a version"
        assert not tag.endswith(".x"), f"{name}: {tag!r} floats over hotfixes"
    assert re.fullmatch(r"postgres:15\.\d+-bookworm", images["warehouse"])
    assert re.fullmatch(r"postgres:\d+\.\d+-bookworm", images["metabase-db"])
    assert re.fullmatch(r"metabase/metabase:v0\.\d+\.\d+(\.\d+)?", images["metabase"])


def test_every_service_but_the_pipeline_has_a_healthcheck(services):
    for name, svc in services.items():
        if name in ("pipeline", "scheduler"):  # the pipeline's image: a job, and its nightly loop
            continue
        check = svc.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test {check['test']}"
        command = " ".join(check["test"][1:])
        if svc["image"].startswith("postgres:"):
            assert "pg_isready" in command, f"{name}: postgres checked without pg_isready"
        else:
            assert "/api/health" in command, f"{name}: Metabase checked without /api/health"


def test_every_dependency_waits_for_a_healthy_service(services):
    edges = 0
    for name, svc in services.items():
        depends = svc.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs the long form with conditions"
        for target, spec in depends.items():
            edges += 1
            assert target in services, f"{name} depends on unknown service {target}"
            assert spec.get("condition") == "service_healthy", f"{name} -> {target}: {spec}"
            assert "healthcheck" in services[target], f"{name} waits for {target}: no healthcheck"
    assert edges >= 3  # metabase -> metabase-db, pipeline -> warehouse, scheduler -> warehouse


def test_ports_are_published_on_loopback_only(services, resolved):
    published = 0
    for name, svc in services.items():
        for raw, port in zip(svc.get("ports", []), resolved["services"][name].get("ports", [])):
            published += 1
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert isinstance(raw, str), f"{name}: port {raw!r} must be a quoted string"
                assert raw.startswith("127.0.0.1:"), f"{name}: {raw} listens beyond loopback"
                assert re.fullmatch(r"127\.0\.0\.1:\d+:\d+", port), (
                    f"{name}: {port} is not 127.0.0.1:host_port:container_port"
                )
    assert published == 2  # warehouse and metabase; metabase-db, the pipeline and the scheduler publish nothing
    assert "ports" not in services["metabase-db"]


def test_named_volumes_are_declared_and_each_database_has_its_own(compose, services):
    declared = set(compose.get("volumes", {}))
    used = set()
    for svc in services.values():
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "$", "~")):
                used.add(source)
    assert used == declared
    data = {
        name: [v for v in services[name]["volumes"] if v.endswith(":/var/lib/postgresql/data")]
        for name in ("warehouse", "metabase-db")
    }
    assert len(data["warehouse"]) == len(data["metabase-db"]) == 1
    assert data["warehouse"][0].split(":")[0] != data["metabase-db"][0].split(":")[0]


def test_metabase_keeps_its_application_database_in_postgres(services):
    metabase, app_db = services["metabase"], services["metabase-db"]
    env, db_env = service_env(metabase), service_env(app_db)
    assert env["MB_DB_TYPE"] == "postgres"
    assert env["MB_DB_HOST"] == "metabase-db"
    assert env["MB_DB_PORT"] == "5432"
    assert app_db["image"].startswith("postgres:")
    assert "MB_DB_FILE" not in env  # no H2 file

    def var(value: str) -> str:
        refs = references(value)
        assert len(refs) == 1, value
        return refs[0][0]

    assert var(env["MB_DB_DBNAME"]) == var(db_env["POSTGRES_DB"])
    assert var(env["MB_DB_USER"]) == var(db_env["POSTGRES_USER"])
    assert var(env["MB_DB_PASS"]) == var(db_env["POSTGRES_PASSWORD"])
    assert var(env["MB_DB_PASS"]) != var(service_env(services["warehouse"])["POSTGRES_PASSWORD"])
    assert metabase["ports"] == ["127.0.0.1:${METABASE_PORT:-3000}:3000"]


def test_pipeline_builds_the_repo_dockerfile_and_runs_publics(services):
    pipeline = services["pipeline"]
    assert "image" not in pipeline
    build = pipeline["build"]
    context = build if isinstance(build, str) else build["context"]
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE.resolve()
    command = pipeline["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    assert command == ["publics", "run", "/data/inbox"]
    assert pipeline["restart"] == "no"
    assert pipeline["depends_on"] == {"warehouse": {"condition": "service_healthy"}}

    volumes = pipeline["volumes"]
    inbox = [v for v in volumes if ":/data/inbox" in v]
    assert inbox == ["${PUBLICS_INBOX:-./inbox}:/data/inbox:ro"]
    quarantine = [v for v in volumes if v.split(":")[1] == "/data/quarantine"]
    assert len(quarantine) == 1
    env = service_env(pipeline)
    assert env["PUBLICS_QUARANTINE"] == "/data/quarantine"
    reader = [name for name, _, _ in references(env["PUBLICS_READER_PASSWORD"])]
    assert reader == ["METABASE_READER_PASSWORD"]
    url_vars = [name for name, _, _ in references(env["DATABASE_URL"])]
    assert url_vars == ["WAREHOUSE_OWNER_PASSWORD", "WAREHOUSE_DB"]
    assert env["DATABASE_URL"].startswith("postgresql://publics_owner:")  # the owner role, not the superuser
    assert "@warehouse:5432/" in env["DATABASE_URL"]
    assert [name for name, _, _ in references(env["PUBLICS_KEY_SECRET"])] == ["PUBLICS_KEY_SECRET"]
    # Only started on demand (docker compose run), never by a plain `docker compose up`.
    assert pipeline.get("profiles"), "pipeline should sit behind a profile"


def test_pipeline_commands_are_accepted_by_the_cli(services):
    """The compose command and the documented demo command parse with the real `publics` CLI."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = pyproject["project"]["scripts"]
    assert scripts["publics"] == "publics.cli:main"
    cli = import_from_repo("publics.cli")

    command = services["pipeline"]["command"]
    assert command[0] == "publics"
    args = cli.parser().parse_args(command[1:])
    assert (args.command, args.folder) == ("run", "/data/inbox")
    assert cli.parser().parse_args(["demo"]).command == "demo"
    docs = (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")
    assert "docker compose run --rm pipeline publics demo" in docs


def test_the_scheduler_runs_the_pipeline_nightly_with_its_settings(services):
    """The nightly run: the pipeline's own build, guard, warehouse, secrets, inbox and quarantine;
    started by `up` and restarted; `publics schedule --at <time> /data/inbox`, which the real CLI
    parses and which runs `publics run --wait` (queued behind a run started by hand)."""
    pipeline, scheduler = services["pipeline"], services["scheduler"]
    for key in ("build", "entrypoint", "depends_on", "environment", "volumes"):
        assert scheduler[key] == pipeline[key], key
    assert "image" not in scheduler and "ports" not in scheduler
    assert not scheduler.get("profiles"), "the scheduler must start with a plain `docker compose up`"
    assert scheduler["restart"] == "unless-stopped"
    command = scheduler["command"]
    assert command == ["publics", "schedule", "--at", "${PUBLICS_SCHEDULE_AT:-02:00}", "/data/inbox"]
    cli = import_from_repo("publics.cli")
    args = cli.parser().parse_args([interpolate_string(c, {}) for c in command[1:]])
    assert (args.command, args.at, args.folder, args.once) == ("schedule", "02:00", "/data/inbox", False)
    schedule = import_from_repo("publics.schedule")
    run = schedule.command(Path(args.folder), args.wait_timeout)
    assert run[-4:] == ["--wait", "--wait-timeout", f"{args.wait_timeout:g}", "/data/inbox"] and "run" in run


# --------------------------------------------------------------------------- variables and .env


def test_every_variable_is_documented_in_env_example(raw_text, env_example):
    used = {name for name, _, _ in references(raw_text)}
    assert used, "no variable found: the reference parser is broken"
    assert sorted(used - set(env_example)) == [], "variables missing from .env.example"
    assert sorted(set(env_example) - used) == [], ".env.example has variables compose never uses"


def test_env_example_holds_placeholders_only(env_example):
    secrets = {key: value for key, value in env_example.items() if SECRET_NAME.search(key)}
    assert {
        "WAREHOUSE_PASSWORD",
        "WAREHOUSE_OWNER_PASSWORD",
        "METABASE_DB_PASSWORD",
        "METABASE_READER_PASSWORD",
        "METABASE_ENCRYPTION_SECRET_KEY",
        "PUBLICS_KEY_SECRET",
    } <= set(secrets)
    for key, value in secrets.items():
        assert value.startswith(PLACEHOLDER), f"{key} in .env.example looks like a real secret"
    for key, value in env_example.items():
        if key in secrets:
            continue
        # Anything long, mixed and dash-free is suspicious wherever it sits.
        assert not re.fullmatch(r"(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9+/=_]{20,}", value), (
            f"{key}={value} looks like a key or token"
        )
    # Placeholders are distinct, so a forgotten one is easy to spot, and URL-safe as documented.
    assert len(set(secrets.values())) == len(secrets)
    for key in ("WAREHOUSE_USER", "WAREHOUSE_PASSWORD", "WAREHOUSE_DB"):
        assert quote(env_example[key], safe="") == env_example[key], f"{key} is not URL-safe"


def test_credentials_are_required_not_defaulted(raw_text):
    credentials = {
        "WAREHOUSE_DB",
        "WAREHOUSE_USER",
        "WAREHOUSE_PASSWORD",
        "METABASE_DB_NAME",
        "METABASE_DB_USER",
        "METABASE_DB_PASSWORD",
        "METABASE_ENCRYPTION_SECRET_KEY",
        "METABASE_READER_PASSWORD",
        "WAREHOUSE_OWNER_PASSWORD",
        "PUBLICS_KEY_SECRET",
    }
    seen = set()
    for name, op, arg in references(raw_text):
        if name in credentials or SECRET_NAME.search(name):
            seen.add(name)
            assert op == ":?", f"${{{name}}} must be written ${{{name}:?message}}"
            assert arg and ".env" in arg, f"${{{name}}}: the error message should point at .env"
    assert seen == credentials


def test_defaults_agree_wherever_a_variable_is_used(raw_text):
    defaults: dict[str, set] = {}
    for name, op, arg in references(raw_text):
        if op in (":-", "-"):
            defaults.setdefault(name, set()).add(arg)
    for name, values in defaults.items():
        assert len(values) == 1, f"{name} has several defaults: {values}"


def test_interpolation_helper():
    env = {"SET": "value", "EMPTY": ""}
    assert interpolate_string("a-$SET-${SET}", env) == "a-value-value"
    assert interpolate_string("${MISSING:-d}|${EMPTY:-d}|${EMPTY-d}|${MISSING-d}", env) == "d|d||d"
    assert interpolate_string("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env) == "alt||alt"
    assert interpolate_string("pg_isready -U $${USER}", env) == "pg_isready -U ${USER}"
    assert interpolate_string("${EMPTY?fine}", env) == ""
    with pytest.raises(InterpolationError, match="EMPTY"):
        interpolate_string("${EMPTY:?needed}", env)
    with pytest.raises(InterpolationError, match="MISSING"):
        interpolate_string("${MISSING?needed}", env)
    with pytest.raises(InterpolationError):
        interpolate_string("cost: $5", env)


def test_resolved_stack_has_every_credential(resolved, env_example):
    services = resolved["services"]
    for name in ("warehouse", "metabase-db"):
        env = service_env(services[name])
        for key in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
            assert env[key], f"{name}: {key} resolved empty"
    mb = service_env(services["metabase"])
    for key in ("MB_DB_DBNAME", "MB_DB_USER", "MB_DB_PASS", "MB_ENCRYPTION_SECRET_KEY"):
        assert mb[key], f"metabase: {key} resolved empty"
    assert len(mb["MB_ENCRYPTION_SECRET_KEY"]) >= 16  # Metabase refuses shorter keys

    pipeline = service_env(services["pipeline"])
    assert pipeline["PUBLICS_READER_PASSWORD"] == env_example["METABASE_READER_PASSWORD"]
    url = urlsplit(pipeline["DATABASE_URL"])
    assert url.scheme == "postgresql"
    assert (url.hostname, url.port) == ("warehouse", 5432)
    assert (url.username, url.password, url.path) == (
        "publics_owner",
        env_example["WAREHOUSE_OWNER_PASSWORD"],
        "/" + env_example["WAREHOUSE_DB"],
    )
    warehouse = service_env(services["warehouse"])
    # the owner's password reaches the init script that creates the role, and is not the superuser's
    assert (url.password, url.path[1:]) == (warehouse["WAREHOUSE_OWNER_PASSWORD"], warehouse["POSTGRES_DB"])
    assert url.username != warehouse["POSTGRES_USER"] and url.password != warehouse["POSTGRES_PASSWORD"]
    assert warehouse["METABASE_READER_PASSWORD"] == pipeline["PUBLICS_READER_PASSWORD"]
    # The URL must mean the same thing to the pipeline's own parser.
    ConnInfo = import_from_repo("publics.warehouse").ConnInfo

    info = ConnInfo.from_url(pipeline["DATABASE_URL"])
    assert (info.host, info.port, info.user, info.password, info.dbname) == (
        "warehouse",
        5432,
        "publics_owner",
        warehouse["WAREHOUSE_OWNER_PASSWORD"],
        warehouse["POSTGRES_DB"],
    )

    assert services["warehouse"]["ports"] == [f"127.0.0.1:{env_example['WAREHOUSE_PORT']}:5432"]
    assert services["metabase"]["ports"] == [f"127.0.0.1:{env_example['METABASE_PORT']}:3000"]
    # $$ survives as a literal $ for the container's shell.
    assert "${POSTGRES_USER}" in services["warehouse"]["healthcheck"]["test"][1]


@pytest.mark.parametrize(
    "variable",
    [
        "WAREHOUSE_PASSWORD",
        "WAREHOUSE_OWNER_PASSWORD",
        "METABASE_DB_PASSWORD",
        "METABASE_READER_PASSWORD",
        "METABASE_ENCRYPTION_SECRET_KEY",
        "PUBLICS_KEY_SECRET",
    ],
)
def test_a_missing_secret_stops_compose(compose, env_example, variable):
    missing = {k: v for k, v in env_example.items() if k != variable}
    with pytest.raises(InterpolationError, match=variable):
        interpolate(compose, missing)
    with pytest.raises(InterpolationError, match=variable):
        interpolate(compose, {**env_example, variable: ""})


def test_optional_settings_fall_back_to_their_defaults(compose, env_example):
    minimal = {
        k: v
        for k, v in env_example.items()
        if k not in ("WAREHOUSE_PORT", "METABASE_PORT", "PUBLICS_INBOX", "TZ")
    }
    services = interpolate(compose, minimal)["services"]
    assert services["warehouse"]["ports"] == ["127.0.0.1:5433:5432"]
    assert services["metabase"]["ports"] == ["127.0.0.1:3000:3000"]
    assert "./inbox:/data/inbox:ro" in services["pipeline"]["volumes"]


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_is_pinned_non_root_and_installs_the_lock_file():
    steps = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    keywords = [k for k, _ in steps]
    froms = [args for k, args in steps if k == "FROM"]
    assert len(froms) == 1
    base = re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", froms[0])
    assert base, f"unpinned base image {froms[0]}"

    runs = [(i, args) for i, (k, args) in enumerate(steps) if k == "RUN"]
    lock = [i for i, args in runs if "pip install --no-cache-dir -r requirements.lock" in args]
    project = [i for i, args in runs if re.search(r"pip install .*--no-deps \.(\s|$)", args)]
    assert lock and project, "the lock file and then the project must be pip-installed"
    copies = [(i, args.split()[0]) for i, (k, args) in enumerate(steps) if k == "COPY"]
    copy_lock = [i for i, source in copies if source == "requirements.lock"]
    copy_all = [i for i, source in copies if source == "."]
    assert copy_lock and copy_all
    # Dependencies are a cached layer: lock copied and installed before the code is copied.
    assert copy_lock[0] < lock[0] < copy_all[0] < project[0]

    assert ("WORKDIR", "/app") in steps
    users = [args for k, args in steps if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert keywords.index("USER") > project[0]
    assert ("ENTRYPOINT", "[]") in steps
    cmd = [args for k, args in steps if k == "CMD"]
    assert [json.loads(c) for c in cmd] == [["publics", "run", "/data/inbox"]]
    assert not any(k == "EXPOSE" for k in keywords)
    # No database server in the pipeline image: DATABASE_URL points at the warehouse service.
    assert not re.search(r"install[^&;]*\bpostgresql(-\d+)?\b", " ".join(args for _, args in runs))


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    patterns = {
        line.strip().rstrip("/").removeprefix("**/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    }
    required = {
        ".venv",
        ".local",
        ".git",
        "target",
        "logs",
        "__pycache__",
        ".env",
        "demo_data",
        "out",
        "inbox",
    }
    assert sorted(required - patterns) == []
    # The files the image needs must not be ignored.
    for needed in ("requirements.lock", "pyproject.toml", "dbt_project.yml", "models", "ingestion"):
        assert needed not in patterns


# --------------------------------------------------------------------------- placeholders and roles

GUARD = ROOT / "docker" / "refuse-placeholders.sh"
# Each image's own entrypoint, which the guard must hand over to: the postgres image's
# docker-entrypoint.sh, metabase/metabase's /app/run_metabase.sh (its Dockerfile's ENTRYPOINT),
# our Dockerfile's none.
IMAGE_ENTRYPOINTS = {"warehouse": ["docker-entrypoint.sh"], "metabase-db": ["docker-entrypoint.sh"],
                     "metabase": ["/app/run_metabase.sh"], "pipeline": [], "scheduler": []}


def test_every_service_starts_through_the_placeholder_guard(services):
    assert set(IMAGE_ENTRYPOINTS) == set(services)
    for name, service in services.items():
        entrypoint = service["entrypoint"]
        assert entrypoint[0] == "sh" and entrypoint[1].endswith("/refuse-placeholders.sh"), name
        assert entrypoint[2:] == IMAGE_ENTRYPOINTS[name], name
        if name in ("pipeline", "scheduler"):  # the image holds the repository (COPY . /app)
            assert entrypoint[1] == "/app/docker/refuse-placeholders.sh"
        else:
            assert f"./docker/refuse-placeholders.sh:{entrypoint[1]}:ro" in service["volumes"], name
    assert services["metabase-db"]["command"] == ["postgres"]  # the image's CMD, kept
    # the warehouse: the image's CMD with the analytics settings (tests/unit/test_pg_settings.py)
    assert services["warehouse"]["command"][0] == "postgres"
    assert all(a == "-c" for a in services["warehouse"]["command"][1::2])


def run_guard(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(GUARD), "echo", "started"], env={"PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, check=False)


def test_the_guard_refuses_the_placeholders_of_env_example(env_example):
    refused = run_guard(env_example)
    assert refused.returncode == 78 and refused.stdout == ""
    secrets = sorted(k for k, v in env_example.items() if v.startswith(PLACEHOLDER))
    assert secrets and all(k in refused.stderr for k in secrets), refused.stderr
    assert "change-me-" not in refused.stderr.replace("change-me placeholders", "")  # names, never values
    # one placeholder left inside a URL is enough
    url = run_guard({"DATABASE_URL": "postgresql://publics_owner:change-me-owner-password@warehouse:5432/publics"})
    assert url.returncode == 78 and "DATABASE_URL" in url.stderr


def test_the_guard_starts_the_service_once_every_placeholder_is_replaced(env_example):
    real = {k: (v.replace(PLACEHOLDER, "s3cr3t") if v.startswith(PLACEHOLDER) else v) for k, v in env_example.items()}
    started = run_guard(real)
    assert started.returncode == 0 and started.stdout == "started\n", started.stderr


def test_the_warehouse_init_script_makes_an_owner_and_a_reader_none_superuser(services):
    mounts = services["warehouse"]["volumes"]
    assert "./docker/warehouse-init.sh:/docker-entrypoint-initdb.d/10-publics-roles.sh:ro" in mounts
    script = (ROOT / "docker" / "warehouse-init.sh").read_text(encoding="utf-8")
    assert "create role publics_owner login password :'owner_password';" in script
    assert "create role publics_reader login password :'reader_password';" in script
    assert "superuser" not in script.split("SQL", 1)[1].lower()
    assert 'alter database :"db" owner to publics_owner;' in script
    assert "revoke connect on database postgres from public;" in script
    assert subprocess.run(["sh", "-n", str(ROOT / "docker" / "warehouse-init.sh")], check=False).returncode == 0
