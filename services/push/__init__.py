"""Pushing a project's link to its members through WeChat (template messages or subscribe messages):
runs asked for and recovered, their execution on a worker, one message's sending, the channels and
the members' subscriptions; exactly once per member.

May call ``volunteering`` (the project pushed, who manages it), ``people``, ``organisations`` and
``kernel``. Publishing a project with its push (``runs.publish_and_push``) lives here because push is
above the projects it sends.
"""
