"""Domain operations shared by every surface (WeChat handlers, mini-program API, console, CLI, jobs).

Each function takes the SQLAlchemy session and plain arguments, commits through ``unit_of_work``
and raises ``services.errors.DomainError`` subclasses; none touches ``request``, ``g`` or ``session``.
"""
