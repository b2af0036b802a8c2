# The publics pipeline image: `publics` CLI, dbt project, Great Expectations suites.
# No Postgres server inside: DATABASE_URL points at the `warehouse` service (docker-compose.yml).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PUBLICS_HOME=/app \
    PUBLICS_QUARANTINE=/data/quarantine

WORKDIR /app

# Dependencies first, from the fully pinned lock file, so this layer is cached across code changes.
COPY requirements.lock /app/requirements.lock
RUN pip install --no-cache-dir -r requirements.lock

# The project itself (models, seeds, macros, expectations, dashboards, the ingestion package).
COPY . /app
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf /app/build /app/*.egg-info

# Non-root user; it owns the folders the pipeline writes to (dbt target/ and logs/, .local/,
# the quarantine volume, which takes this ownership when Docker first creates it).
RUN groupadd --system --gid 10001 publics \
    && useradd --system --uid 10001 --gid publics --home-dir /app --shell /usr/sbin/nologin publics \
    && mkdir -p /app/target /app/logs /app/.local /data/inbox /data/quarantine \
    && chown -R publics:publics /app /data
USER publics

ENTRYPOINT []
CMD ["publics", "run", "/data/inbox"]
