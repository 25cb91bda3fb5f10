"""The project's own tooling for a real local Zou (tests, benchmarks, demo). No Qt here."""

from desktop.localzou.install import ZOU_VERSION, MissingDependency
from desktop.localzou.mail import MailSink
from desktop.localzou.server import LocalZou, ServerStartError

__all__ = ["ZOU_VERSION", "LocalZou", "MailSink", "MissingDependency", "ServerStartError"]
