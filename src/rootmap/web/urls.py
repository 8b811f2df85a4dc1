"""Rootmap's URLs. Every URL here must have a row in the access matrix test."""

from django.urls import path

urlpatterns: list = []
