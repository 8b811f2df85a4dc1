from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrityConfig(AppConfig):
    name = "rootmap.web.integrity"
    label = "integrity"
    verbose_name = "Integrity"

    def ready(self) -> None:
        # Imported in ready(): the triggers module reaches the models, loaded only now.
        from rootmap.web.integrity.triggers import install_after_migrate

        # After every migrate (and every test-suite flush): SQLite rebuilds a table to alter
        # it and loses its triggers, so installing them once in a migration is not enough.
        post_migrate.connect(install_after_migrate, sender=self,
                             dispatch_uid="rootmap-integrity-triggers")
