"""Organisations and the people who work in them."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Administrator"
        SUPERVISOR = "supervisor", "Supervisor"
        CLINICIAN = "clinician", "Clinician"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)

    class Meta(AbstractUser.Meta):
        indexes = [
            # The people page (accounts.people_views.people_list): an organisation's people
            # by name, keyset pages.
            models.Index(fields=["organisation", "last_name", "first_name", "username", "id"],
                         name="user_org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    """Clinicians grouped under the supervisor(s) who oversee them, within one organisation.

    A supervisor reads the audit log of their teams' clients (rootmap.web.access); the
    weekly reminder digest of a supervisor covers their teams (rootmap.web.jobs).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    supervisors = models.ManyToManyField(User, related_name="supervised_teams", blank=True,
                                         help_text="Supervisors who oversee this team")
    members = models.ManyToManyField(User, related_name="teams", blank=True,
                                     help_text="Clinicians in this team")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
