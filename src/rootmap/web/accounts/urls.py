from django.urls import path

from rootmap.web.accounts import people_views, views

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="two-factor-verify"),
    path("sign-in/authenticator/", views.setup, name="two-factor-setup"),
    path("sign-out/", views.sign_out, name="logout"),
    # Administrators: their organisation's people, and the reset of an authenticator.
    path("people/", people_views.people_list, name="people-list"),
    path("people/<int:pk>/reset-authenticator/", people_views.authenticator_reset_view,
         name="authenticator-reset"),
]
