"""The REST API at /api/v1/ (django-ninja) and the personal API tokens it is used with.

Thin, like the pages: every read goes through the same selectors as the web
(rootmap.web.access and the apps' selectors) and every write through the same services,
so a token sees and changes exactly what its user could in the browser
(docs/decisions/0020-rest-api-and-tokens.md).
"""
