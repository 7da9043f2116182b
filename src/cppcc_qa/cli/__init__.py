"""The command line (typer): a thin shell over `service.QAService`; errors become one line and
exit code 2 here. `python -m cppcc_qa.cli` runs it.

May import: service, evaluation and every stage below; never api.
"""
