# One image for web, worker and beat. The GPU worker gets a CUDA build of torch through
# TORCH_INDEX (build arg); the default is the CPU wheel.
FROM python:3.11-slim-bookworm
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.base HF_HUB_OFFLINE=1
RUN apt-get update && apt-get install -y --no-install-recommends curl libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app
WORKDIR /app
COPY requirements.txt .
RUN pip install --extra-index-url "$TORCH_INDEX" -r requirements.txt
COPY --chown=app:app . .
RUN DJANGO_SECRET_KEY=collectstatic-only VAR_DIR=/tmp/var python manage.py collectstatic --noinput \
    && mkdir -p /app/var/signing && chown -R app:app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
