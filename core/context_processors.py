from __future__ import annotations

from core.roles import user_role


def siyana(request) -> dict:
    return {"user_role": user_role(getattr(request, "user", None))}
