# ALP-portal DM explorer: production image (gunicorn, 2 workers, port 8050).
#   docker build -t alp-dm-explorer .
#   docker run -p 8050:8050 alp-dm-explorer                       # file cache inside the container
#   docker run -p 8050:8050 -e REDIS_URL=redis://redis:6379/0 alp-dm-explorer   # shared Redis cache
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALP_CACHE_DIR=/var/cache/alp \
    NUMBA_CACHE_DIR=/var/cache/alp/numba

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app \
    && mkdir -p /var/cache/alp \
    && chown app:app /var/cache/alp

# Chromium and fonts for the 16:9 SVG/PDF slide export (kaleido drives the browser; without it
# the export links answer "unavailable" and the rest of the app works)
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV BROWSER_PATH=/usr/bin/chromium

WORKDIR /app

# dependencies first: this layer is rebuilt only when requirements.txt changes
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt

# then the code
COPY --chown=app:app . .

USER app
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8050/health').status == 200 else 1)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--bind", "0.0.0.0:8050", "app:server"]
