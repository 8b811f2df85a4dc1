"""Template filters shared by every app's pages (registered in settings.TEMPLATES)."""
