from django.urls import path

from rootmap.web.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
]
