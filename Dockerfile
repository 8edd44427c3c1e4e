# Paperboy: `docker compose up -d` (see docker-compose.yml), or
#   docker build -t paperboy . && docker run --env-file .env paperboy run
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PAPERBOY_DATA_DIR=/data

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the code (changes often, installs in seconds: no dependency resolution).
COPY README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install --no-deps . \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin paperboy \
 && mkdir -p /data \
 && chown paperboy:paperboy /data

USER paperboy
VOLUME ["/data"]
# 8080: GET /healthz and /metrics (PAPERBOY_HEALTH_PORT); 3000: Slack over HTTP (`run --http`).
EXPOSE 8080 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PAPERBOY_HEALTH_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["paperboy"]
CMD ["run"]
