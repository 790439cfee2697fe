"""Coordination: /grant, /revoke, /coordinators, /audit, invite codes and training figures."""
