"""Answering a question: the bodies (committees) a question names, understanding the question
and its follow-ups, scoring clauses, composing the cited reply, the reply wording.

May import: search, indexing, ingest, text, records, errors, settings.
"""
