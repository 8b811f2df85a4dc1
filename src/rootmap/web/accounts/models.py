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

    def __str__(self) -> str:
        return self.get_full_name() or self.username
