"""The API (/api/v1/...) and the API token pages (/account/api-tokens/...)."""

from django.urls import include, path, re_path

from rootmap.web.api import views
from rootmap.web.api.api import api

# Within the API, a URL that names no operation (or an id that cannot be one) is a JSON 404
# in the API's error shape, never the site's HTML page.
api_patterns, api_app, api_namespace = api.urls

urlpatterns = [
    path("api/v1/", include(([*api_patterns, re_path(r"^.*$", views.api_not_found, name="not-found")], api_app),
                            namespace=api_namespace)),
    path("account/api-tokens/", views.token_list, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="api-token-revoke"),
]
