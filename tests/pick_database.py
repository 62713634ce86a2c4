"""Print the database URL the test suite should use when DATABASE_URL is not set:
the local PostgreSQL on 127.0.0.1:5432 when it answers, else SQLite."""

import socket

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/governance"


def postgres_answers(host="127.0.0.1", port=5432):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    print(POSTGRES_URL if postgres_answers() else "sqlite:///test-db.sqlite3")
