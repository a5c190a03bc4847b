"""Create (or re-create) an empty PostgreSQL database for a CI run and print its DATABASE_URL.
Exits non-zero when PostgreSQL is not reachable: CI must fail rather than skip."""

import sys

import psycopg

base = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
name = sys.argv[2] if len(sys.argv) > 2 else "liaison_ci"
try:
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
except psycopg.OperationalError as exc:
    print(f"PostgreSQL is not reachable at {base}: {exc}", file=sys.stderr)
    sys.exit(1)
print(base.rsplit("/", 1)[0] + "/" + name)
