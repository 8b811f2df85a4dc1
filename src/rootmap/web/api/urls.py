"""The API (/api/v1/...) and the API token pages (/account/api-tokens/...)."""

from django.urls import path

from rootmap.web.api import views
from rootmap.web.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("account/api-tokens/", views.token_list, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="api-token-revoke"),
]
