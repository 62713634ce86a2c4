"""The database server a benchmark ran on, beside the production stack's settings.

Bulk writes (a publish, an HR sync, the seed) depend on the server's memory and checkpoint
settings as much as on the product: the same publish takes 204 s on the production stack's
settings and 329 s on PostgreSQL's defaults. Each benchmark that writes in bulk prints this line
so that its figures say what they were measured on.
"""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def production_settings() -> dict[str, str]:
    """The ``-c name=value`` settings docker-compose.yml starts PostgreSQL with."""
    command = yaml.safe_load(COMPOSE.read_text())["services"]["db"]["command"]
    return dict(item.split("=", 1) for item in command if "=" in item)


def describe(cursor) -> str:
    """One line: the server's version and each production setting's value on it, with the
    production value beside the ones that differ."""
    wanted = production_settings()
    cursor.execute("SELECT current_setting('server_version')")
    version = cursor.fetchone()[0]
    values = []
    differ = 0
    for name, production in wanted.items():
        cursor.execute("SELECT current_setting(%s)", [name])
        value = cursor.fetchone()[0]
        if value.lower() == production.lower():
            values.append(f"{name} {value}")
        else:
            differ += 1
            values.append(f"{name} {value} (production: {production})")
    verdict = "the production stack's settings" if not differ else f"{differ} setting(s) not the production stack's"
    return f"server: PostgreSQL {version}, {verdict}: " + ", ".join(values)
