"""The record: SQLAlchemy Core tables, the hash chain, statements, events and the outbox."""
