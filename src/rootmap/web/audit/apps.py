from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rootmap.web.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported in ready(): the signal handlers use the models, loaded only now.
        from django.contrib.auth import signals

        from rootmap.web.audit import signals as audit_signals

        signals.user_logged_in.connect(audit_signals.on_signed_in, dispatch_uid="audit-sign-in")
        signals.user_logged_out.connect(audit_signals.on_signed_out, dispatch_uid="audit-sign-out")
        signals.user_login_failed.connect(audit_signals.on_sign_in_failed,
                                          dispatch_uid="audit-sign-in-failed")
