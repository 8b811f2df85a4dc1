"""Sources URLs: rows added and removed in place, documents' files attached, removed, downloaded."""

from django.urls import path

from rootmap.web.sources import views

urlpatterns = [
    path("assessments/<int:pk>/rows/<str:section>/", views.source_rows, name="source-rows"),
    path("assessments/<int:pk>/documents/<int:index>/file/", views.document_file_upload,
         name="document-file-upload"),
    path("assessments/<int:pk>/documents/<int:index>/file/remove/", views.document_file_remove_view,
         name="document-file-remove"),
    path("assessments/<int:pk>/files/<str:sha256>/", views.document_file_download, name="document-file-download"),
]
