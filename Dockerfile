# syntax=docker/dockerfile:1

# Both stages use the same base image so the interpreter the virtualenv points at exists at run time.
ARG PYTHON_IMAGE=python:3.13-slim

FROM ${PYTHON_IMAGE} AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON=/usr/local/bin/python3.13 \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock file changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-dev --no-install-project

COPY pyproject.toml uv.lock README.md ./
COPY disputes ./disputes
COPY schemas ./schemas
COPY carriers ./carriers
COPY adapters ./adapters
COPY sandbox ./sandbox
# The carrier sandbox (``disputes sandbox``) answers from the carriers' public reply samples.
COPY tests/fixtures/carriers ./tests/fixtures/carriers
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev


FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
# Code stays owned by root (read-only for the service); only var/ (embedded data) is writable.
COPY --from=build /app /app
RUN mkdir -p /app/var && chown app:app /app/var
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DISPUTES_HOST=0.0.0.0 \
    DISPUTES_PORT=8080
USER app
EXPOSE 8080
# /healthz of the process the container runs (its command line is process 1's): a worker's on DISPUTES_WORKER_PORT,
# the API's (`serve`, `embedded`) on DISPUTES_PORT. The sandbox has no /healthz: compose checks its port instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; worker = 'worker' in open('/proc/1/cmdline').read().split(chr(0)); port = os.environ.get('DISPUTES_WORKER_PORT', '8081') if worker else os.environ.get('DISPUTES_PORT', '8080'); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
ENTRYPOINT ["disputes"]
CMD ["serve"]
