"""The two roles and their model permissions.

Ensured after every migrate/flush (post_migrate), so the groups exist even after
a test database was flushed; migration 0002 keeps its own copy of the lists as
they were then (a migration must not change when this module does).
"""

RESEARCHERS = "Researchers"
EDITORS = "Editors"

RESEARCHER_PERMS = [
    "view_source", "add_source",
    "view_actor", "add_actor",
    "view_actoralias", "add_actoralias",
    "view_affiliation", "add_affiliation",
    "view_claim", "add_claim",
    "view_statement", "add_statement", "change_statement", "delete_statement",
    "view_contradiction", "add_contradiction",
    "view_note", "add_note",
]  # fmt: skip
EDITOR_PERMS = RESEARCHER_PERMS + [
    "change_source",
    "change_actor",
    "change_actoralias", "delete_actoralias",
    "change_affiliation", "delete_affiliation",
    "change_claim",
    "change_contradiction", "delete_contradiction",
    "review_claim", "merge_claim", "review_contradiction",
]  # fmt: skip

ROLES = {RESEARCHERS: RESEARCHER_PERMS, EDITORS: EDITOR_PERMS}


def ensure_roles(group_model, permission_model) -> None:
    """Create the groups if missing and give them the permissions they lack.

    Only adds: a permission an admin gave a group on purpose stays (this runs after
    every migrate and flush, so it must never undo someone's change)."""
    for name, codenames in ROLES.items():
        perms = list(
            permission_model.objects.filter(
                content_type__app_label="claims", codename__in=codenames
            )
        )
        if len(perms) != len(set(codenames)):
            return  # permissions not created yet (first migrate): post_migrate comes back
        group, _ = group_model.objects.get_or_create(name=name)
        have = set(group.permissions.values_list("pk", flat=True))
        missing = [p for p in perms if p.pk not in have]
        if missing:
            group.permissions.add(*missing)
