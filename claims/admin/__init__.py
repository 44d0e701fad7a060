"""The admin: data entry and repair for every model of the claims domain.

Every changelist runs a fixed number of queries (list_select_related, counts
as annotations, aliases prefetched); audit fields are read-only and filled
from request.user; every record's history is one click away (SimpleHistoryAdmin).
"""

from claims.admin import (  # noqa: F401  (each module registers its admins)
    actors,
    claims,
    contradictions,
    notes,
    sources,
    statements,
    tokens,
)
