"""Who a person says they are; it decides which menu they see."""

from __future__ import annotations

PARENT = "parent"
PROFESSIONAL = "professional"
RESIDENT = "resident"
OTHER = "other"

ROLES: tuple[str, ...] = (PARENT, PROFESSIONAL, RESIDENT, OTHER)
