from django.urls import path

from rootmap.web.clients import context_views, csv_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/", views.home, name="client-list"),
    path("clients/new/", views.client_create, name="client-create"),
    path("clients/import/", views.client_import, name="client-import"),
    path("clients/import-csv/", csv_views.clients_csv_import, name="clients-csv-import"),
    path("clients/export/<str:what>.csv", csv_views.csv_export, name="csv-export"),
    path("clients/<int:pk>/", views.client_detail, name="client-detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client-edit"),
    path("clients/<int:pk>/events/", views.client_events, name="client-events"),
    path("clients/<int:pk>/events/<int:position>/edit/", views.client_event_edit, name="client-event-edit"),
    path("clients/<int:pk>/events/<int:position>/remove/", views.client_event_remove,
         name="client-event-remove"),
    path("clients/<int:pk>/context/", context_views.client_context_edit, name="client-context"),
    path("clients/<int:pk>/context/field/", context_views.client_context_field, name="client-context-field"),
    path("clients/<int:pk>/case-file.json", views.client_export, name="client-export"),
]
