"""Reading reports: file formats and their checks, the newspaper page splitter, CJK line
joining, the built-in corpus, uploads. Produces `Document`s.

May import: text, records, errors.
"""
