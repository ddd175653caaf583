"""The schema's Alembic migrations, shipped in the package and run by
``flask withdrawal init-db`` (and on an engine's first use): see ``storage/schema.py``.

Each revision in ``versions/`` is written by hand (``script.py.mako`` is the template) and
``tests/test_migrations.py`` proves that the migrated schema equals ``storage/tables.py``."""
