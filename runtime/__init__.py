"""What the process runs on, below every surface and service: configuration read from the environment,
the unbound extensions (database, migrations, data protection, shared store), the database's ping and
retry after a restart, the shared store and its locks, the SMS gateway, logging, metrics and health.

Imports no surface, service or job: a piece that needs one of theirs (the queue's depth for metrics) is
handed it when the app registers it.
"""
