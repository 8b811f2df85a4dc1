from django.urls import path

from rootmap.web.caregiving import views

urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/save/", views.household_save, name="household-save"),
    path("households/<int:pk>/preview/", views.household_preview, name="household-preview"),
    path("households/<int:pk>/children/search/", views.household_client_search,
         name="household-client-search"),
    path("households/<int:pk>/children/client/", views.household_add_client, name="household-add-client"),
    path("households/<int:pk>/children/other/", views.household_add_other, name="household-add-other"),
    path("households/<int:pk>/children/share/", views.household_share, name="household-share"),
    path("households/<int:pk>/what-if/", views.household_what_if, name="household-what-if"),
    path("households/<int:pk>/report.pdf", views.household_report, name="household-report"),
]
