"""The demo production, seeded through Zou's HTTP API (Qt-free)."""
