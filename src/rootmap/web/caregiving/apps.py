from django.apps import AppConfig


class CaregivingConfig(AppConfig):
    name = "rootmap.web.caregiving"
    label = "caregiving"
    default_auto_field = "django.db.models.BigAutoField"
