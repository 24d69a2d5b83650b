"""Domain operations shared by every surface (WeChat handlers, mini-program API, console, CLI, jobs),
one package per domain, lowest first:

- ``kernel``: what every domain uses (errors, the unit of work and audit, Beijing time, passwords,
  prepared statements); it imports no domain.
- ``organisations``: the 团组织 tree, teams and 报到, pairing, targets; may call ``kernel``.
- ``people``: members, their accounts, sessions, consent, appeals and recovery, and the console's
  organisation logins; may call ``organisations`` and ``kernel``.
- ``volunteering``: projects, enrolment, sign-in/out, records, approval, hours, reviews, certificates;
  may call ``people``, ``organisations`` and ``kernel``.
- ``push``: project links pushed to members through WeChat; may call every domain above.
- ``reporting``: rates, rosters, exports and the access log; may call every domain above.

A lower domain never imports a higher one (.importlinter's ``domains`` contract); a module that needs a
higher domain's decision takes it as an argument. Each function takes the SQLAlchemy session and plain
arguments, commits through ``kernel.uow.unit_of_work`` and raises ``kernel.errors.DomainError``
subclasses; none touches ``request``, ``g`` or ``session``.
"""
