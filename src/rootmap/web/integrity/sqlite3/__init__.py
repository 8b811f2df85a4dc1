"""Django's SQLite backend, with a flush that lifts the integrity triggers first."""
