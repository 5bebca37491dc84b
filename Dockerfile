# The worker image. Reference data (the CMS ICD-10-CM zips) is mounted at /data/icd10cm, not baked in.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    STREAMS_ICD10CM_DIR=/data/icd10cm STREAMS_CACHE_DIR=/var/cache/lbp-streams STREAMS_DATA_DIR=/var/lib/lbp-streams \
    STREAMS_WEB_BIND=0.0.0.0
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 lbp \
    && mkdir -p /var/cache/lbp-streams /var/lib/lbp-streams && chown lbp /var/cache/lbp-streams /var/lib/lbp-streams
USER lbp
EXPOSE 6066
CMD ["lbp-streams", "worker"]
