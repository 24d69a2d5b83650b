"""Volunteer service itself: projects and their publishing, enrolment and the waiting list, sign-in and
sign-out on site (geofence, exactly once), service records, approval and corrections of hours, hours and
participation (quarters, semesters, holidays), reviews (评议), certificates and on-site codes.

May call ``people``, ``organisations`` and ``kernel``.
"""
