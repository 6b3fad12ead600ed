"""The vTOC API server: FastAPI over SQLAlchemy, SQLite embedded or PostgreSQL."""
