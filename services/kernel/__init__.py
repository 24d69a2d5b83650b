"""The shared kernel every domain uses: ``DomainError`` and its kinds, the unit of work with its audit
rows and public codes, Beijing time (DESIGN.md: hours rules are computed in Beijing time), the password
rules of members and console logins, and the statements prepared per connection for the hot paths.

Owns no table of its own and imports no domain package: everything here is below all of them.
"""
