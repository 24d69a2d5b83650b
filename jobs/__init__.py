"""Background work: RQ on Redis in production (``flask --app app jobs worker``), inline without Redis."""
