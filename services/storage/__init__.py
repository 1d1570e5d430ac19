"""The system of record: feeds, episodes, segments, subscriptions and deliveries (SQLAlchemy 2)."""
