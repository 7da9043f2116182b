"""The HTTP API (FastAPI): the app factory, routes, request models, middleware, the OpenAPI
page and the feedback store. A thin shell over `service.QAService`; errors become HTTP codes here.

May import: service and every stage below it; never cli.
"""
