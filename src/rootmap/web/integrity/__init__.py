"""Database-level integrity: what no code path (form, API, admin, ORM update, raw SQL
through the application's connection) may do to a finalised assessment or an audit entry."""
