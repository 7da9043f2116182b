"""General Chinese, no knowledge of any report: normalising text, numerals and quantities,
tokens (the one jieba importer), sentence and clause spans, units and their families, periods,
place names and input validation.

May import: records, errors (nothing else of the package).
"""
