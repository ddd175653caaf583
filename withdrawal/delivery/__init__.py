"""Delivering the acknowledgement: the outbox, the messages and the worker."""
