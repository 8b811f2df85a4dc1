from django.urls import path

from rootmap.web.privacy import views

urlpatterns = [
    path("research-export/", views.research_export, name="research-export"),
]
