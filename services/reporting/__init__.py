"""What committees watch and take away: the rates of a sub-tree and their ranking (stats), the member
lists with their filters (rosters), the CSV and Excel exports, and the access log of personal data.

Reads every domain below it (``push``, ``volunteering``, ``people``, ``organisations``, ``kernel``); no
domain imports it.
"""
