from django.urls import path

from rootmap.web.accounts import password_reset, people_views, views, welcome

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="two-factor-verify"),
    path("sign-in/authenticator/", views.setup, name="two-factor-setup"),
    path("sign-out/", views.sign_out, name="logout"),
    # Password reset by email (Django's views; the same answer whether or not an account exists).
    path("sign-in/forgot/", password_reset.password_forgot, name="password-reset"),
    path("sign-in/forgot/sent/", password_reset.password_sent, name="password-reset-sent"),
    path("sign-in/reset/<uidb64>/<token>/", password_reset.password_choose, name="password-reset-confirm"),
    path("sign-in/reset/done/", password_reset.password_complete, name="password-reset-complete"),
    # The one-time set-up link of an invitation or of `rootmap init`.
    path("welcome/<uidb64>/<token>/", welcome.welcome, name="welcome"),
    # Administrators: their organisation's people, and the reset of an authenticator.
    path("people/", people_views.people_list, name="people-list"),
    path("people/<int:pk>/reset-authenticator/", people_views.authenticator_reset_view,
         name="authenticator-reset"),
    path("people/invite/", people_views.people_invite, name="people-invite"),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/<int:pk>/role/", people_views.person_role, name="person-role"),
    path("people/<int:pk>/invite-again/", people_views.person_invite_again, name="person-invite-again"),
    path("people/<int:pk>/deactivate/", people_views.person_deactivate_view, name="person-deactivate"),
    path("teams/", people_views.team_list, name="team-list"),
    path("teams/<int:pk>/", people_views.team_edit, name="team-edit"),
]
