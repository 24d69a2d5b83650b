"""WeChat event and message handlers, one per kind, registered in one table (handlers.registry).

``dispatch(ctx)`` returns the reply text or None. Handlers are thin: every rule is in services/.
"""
from handlers import events, messages  # noqa: F401 - importing registers the handlers
from handlers.context import Context
from handlers.registry import lookup, registered


def dispatch(ctx: Context) -> str | None:
    return lookup(ctx.raw)(ctx)


__all__ = ["Context", "dispatch", "registered"]
