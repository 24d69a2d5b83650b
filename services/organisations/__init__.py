"""The organisation tree (团组织) and what hangs on it: organisations and their registration codes
(注册码, seed 002), community and department teams with their sites, QR posters and 报到 by scan
(seed 000), team changes, pairing of university departments with streets (结对, seed 001), belonging
(where a member serves) and the registration-rate targets.

May call ``kernel`` only: the tree sits under people and service, who ask it where an organisation is.
"""
