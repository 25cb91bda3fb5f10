"""Test-side helpers around the real local Zou: an admin HTTP session to set up users and projects.

Set-up goes through Zou's real HTTP API as an admin (never a mock). Each test makes its own users
(lockout is per account) and uniquely named projects, so tests do not depend on each other.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from desktop.localzou import LocalZou


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a pytest class

    id: str
    email: str
    password: str
    role: str
    first_name: str
    last_name: str


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class ZouAdmin:
    """Synchronous admin session on the real server, for test set-up only."""

    def __init__(self, server: LocalZou, base_url: str | None = None) -> None:
        self.server = server
        self.url = base_url or server.url
        self.http = httpx.Client(base_url=self.url, timeout=30, headers={"User-Agent": "Slate-tests"})
        self._login()

    def _login(self) -> None:
        r = self.http.post("/auth/login", json={"email": self.server.admin_email,
                                                 "password": self.server.admin_password})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str, **kw: Any) -> Any:
        r = self.http.get(path, **kw)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        r = self.http.post(path, json=json, **kw)
        if r.status_code >= 400:
            raise AssertionError(f"POST {path} -> {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def put(self, path: str, json: Any = None) -> Any:
        r = self.http.put(path, json=json)
        if r.status_code >= 400:
            raise AssertionError(f"PUT {path} -> {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def create_user(self, role: str = "user", *, active: bool = True, password: str | None = None,
                    first_name: str = "Test", email: str | None = None) -> TestUser:
        last = unique("user")
        email = email or f"{last}@example.com"
        password = password or f"pw-{uuid.uuid4().hex[:12]}"
        body = {"email": email, "first_name": first_name, "last_name": last, "role": role,
                "password": password, "active": active}
        data = self.post("/data/persons", body)
        return TestUser(id=data["id"], email=email, password=password, role=role,
                        first_name=first_name, last_name=last)

    def set_active(self, user: TestUser, active: bool) -> None:
        self.put(f"/data/persons/{user.id}", {"active": active})

    def create_project(self, name: str | None = None, *, production_type: str = "short",
                       team: list[TestUser] | None = None) -> dict[str, Any]:
        statuses = self.get("/data/project-status")
        open_id = next(s["id"] for s in statuses if s["name"].lower() == "open")
        project = self.post("/data/projects", {
            "name": name or unique("Project"), "production_type": production_type,
            "project_status_id": open_id, "fps": "24",
        })
        for user in team or []:
            self.post(f"/data/projects/{project['id']}/team", {"person_id": user.id})
        return dict(project)

    def close(self) -> None:
        self.http.close()


def forge_token(secret_key: str, person_id: str, *, token_type: str = "access",
                expires_in: dt.timedelta = dt.timedelta(seconds=-60), jti: str | None = None,
                extra: dict[str, Any] | None = None) -> str:
    """A JWT shaped like the ones Zou issues, signed with the test server's SECRET_KEY."""
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": person_id, "type": token_type, "jti": jti or str(uuid.uuid4()),
        "iat": now - dt.timedelta(hours=1), "nbf": now - dt.timedelta(hours=1),
        "exp": now + expires_in, "fresh": False, "identity_type": "person",
    }
    claims.update(extra or {})
    return jwt.encode(claims, secret_key, algorithm="HS256")
