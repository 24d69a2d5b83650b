"""The people: members with their real-name data (ID number, phone, 团员编号), sign-up and the volunteer
flag, branches joined and transfers (seed 002), consent and guardians, identity appeals, password
recovery, SMS codes, WeChat followers bound to members, sessions of the phone pages and the
mini-program, the console's organisation logins, a member's own data and its erasure, and the
rotation of the key that protects personal data.

May call ``organisations`` (where a member's branch sits) and ``kernel``.
"""
