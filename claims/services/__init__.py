"""Writes that span models: keyword-only functions named <entity>_<action>.

One module per area: sources, statements, review, merges. They validate before
saving, run in one transaction and record who did it. Every versioned write goes
through `lock_version` and refuses with `EditConflict` (claims/services/conflicts.py).
"""

from claims.services.conflicts import EditConflict, lock_version

__all__ = ["EditConflict", "lock_version"]
