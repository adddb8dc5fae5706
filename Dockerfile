# syntax=docker/dockerfile:1
# edge: two stages. The first builds a virtualenv from the wheels (libvips comes inside the
# pyvips-binary wheel: nothing to apt-get); the second copies only that virtualenv onto a
# fresh slim image, so no compiler or pip cache reaches the final image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/edge
COPY pyproject.toml README.md ./
COPY edge ./edge
RUN /opt/edge/bin/pip install --no-cache-dir . \
    && /opt/edge/bin/python -c "import pyvips; print('libvips', pyvips.version(0), pyvips.version(1))"

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="edge" \
      org.opencontainers.image.description="Self-hosted image CDN edge that speaks Cloudinary's URL and REST dialect" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/edge/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EDGE_SERVER_HOST=0.0.0.0 \
    EDGE_SERVER_PORT=8080 \
    EDGE_CACHE_DIR=/var/cache/edge \
    EDGE_SERVER_LOG_FORMAT=json
RUN groupadd --system --gid 10001 edge \
    && useradd --system --uid 10001 --gid edge --home-dir /srv/edge --shell /usr/sbin/nologin edge \
    && mkdir -p /srv/edge/config /var/cache/edge \
    && chown -R edge:edge /srv/edge /var/cache/edge
COPY --from=build /opt/edge /opt/edge
COPY --chown=edge:edge config/edge.toml /srv/edge/config/edge.toml
WORKDIR /srv/edge
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('EDGE_SERVER_PORT', '8080'), timeout=2)"]
ENTRYPOINT ["edge"]
CMD ["serve", "--workers", "1"]
