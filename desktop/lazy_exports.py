"""A package's exported names loaded on first use (PEP 562), for the packages the first window must not pay
for (cold start, issue 16): `desktop.api`, `desktop.api.events`, `desktop.ui.studio`, `desktop.ui.security`.
Each keeps the real imports under `TYPE_CHECKING` (what type checkers and readers see) and says here where
each name lives. Standard library only: any layer may use it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: `homes[name]` is the submodule holding `name` ("": the submodule
    called `name` itself). A loaded name is stored in the package's `namespace`, a plain attribute from then on."""

    def load(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{home or name}")
        value = module if not home else getattr(module, name)
        namespace[name] = value
        return value

    return load
