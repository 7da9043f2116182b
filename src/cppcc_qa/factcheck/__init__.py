"""Checking statements for staff: the table of figures, claim parsing and matching, name and
date checks, verdicts and whole drafts.

May import: answer, search, indexing, ingest, text, records, errors, settings.
"""
