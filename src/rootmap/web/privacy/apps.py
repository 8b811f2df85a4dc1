from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "rootmap.web.privacy"
    label = "privacy"
    verbose_name = "Privacy"
