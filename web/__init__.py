"""HTTP plumbing every surface (console, phone pages, mini-program API, WeChat callback) shares: reading
arguments, bodies and uploads, the answers and flash messages, security headers and login sessions,
CSRF and rate limits, and the error pages.

May import ``services`` and ``runtime``; no surface imports another, so what two of them share lives here.
"""
