"""Asset records, named transformations, upload presets (SQLite by default, PostgreSQL when shared). No HTTP."""
