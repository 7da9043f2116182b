"""Scoring answers and verdicts against gold Q&A: metrics, reports and their plots.

May import: service and every stage below it.
"""
