"""Slate: a fast native desktop client for Zou (Kitsu)."""

__version__ = "0.1.0"
APP_NAME = "Slate"
ORG_NAME = "Slate"
ORG_DOMAIN = "slate.example.org"
