"""The ``make run`` demo: a realistic slice of Beijing's league organisations and volunteers."""
