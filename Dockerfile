# The application image: gunicorn behind whitenoise; the same image runs the worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml requirements/constraints.txt ./requirements/
COPY . .
RUN pip install -c requirements/constraints.txt . \
    && SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input \
    && useradd --create-home --uid 1000 app && mkdir -p /app/media && chown -R app /app/media
USER app

EXPOSE 8000
CMD ["gunicorn", "governance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
