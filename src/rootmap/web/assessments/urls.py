"""Assessment URLs: entry, autosave, finalise, amend, results, presentation and reports."""

from django.urls import path

from rootmap.web.assessments import plan_views, review_views, views

urlpatterns = [
    path("clients/<int:client_id>/assessments/new/<str:kind>/", views.assessment_new, name="assessment-new"),
    path("assessments/<int:pk>/", views.assessment_edit, name="assessment-edit"),
    path("assessments/<int:pk>/field/", views.assessment_field, name="assessment-field"),
    path("assessments/<int:pk>/finalise/", views.assessment_finalise_view, name="assessment-finalise"),
    path("assessments/<int:pk>/amend/", views.assessment_amend_view, name="assessment-amend"),
    path("assessments/<int:pk>/plan/", plan_views.assessment_plan, name="assessment-plan"),
    path("assessments/<int:pk>/results/", views.assessment_results, name="assessment-results"),
    path("assessments/<int:pk>/present/", views.assessment_present, name="assessment-present"),
    path("assessments/<int:pk>/report/<str:audience>/<str:fmt>/", views.assessment_report,
         name="assessment-report"),
    # Supervisor review (decision 0022).
    path("assessments/<int:pk>/review/submit/", review_views.assessment_review_submit,
         name="assessment-review-submit"),
    path("assessments/<int:pk>/review/", review_views.assessment_review, name="assessment-review"),
    path("reviews/", review_views.review_queue_view, name="review-queue"),
]
