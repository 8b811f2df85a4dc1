"""Background jobs (reports, exports, imports, backups) on Celery, and follow-up reminders.

See docs/decisions/0019-background-jobs-and-serving.md.
"""
