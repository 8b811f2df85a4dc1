from django.urls import path

from rootmap.web.accounts import views

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="two-factor-verify"),
    path("sign-in/authenticator/", views.setup, name="two-factor-setup"),
    path("sign-out/", views.sign_out, name="logout"),
]
