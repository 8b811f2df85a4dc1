from django.urls import path

from rootmap.web.jobs import views

urlpatterns = [
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<uuid:pk>/status/", views.job_status, name="job-status"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job-download"),
    path("jobs/backup/", views.job_backup, name="job-backup"),
    path("assessments/<int:pk>/pdf/<str:audience>/", views.job_report, name="job-report"),
    path("households/<int:pk>/report/", views.job_household_report, name="job-household-report"),
    path("research-export/job/", views.job_research_export, name="job-research-export"),
    path("clients/import/many/", views.job_import, name="job-import"),
    path("reminders/", views.reminder_settings, name="reminder-settings"),
]
