"""Authentication backend: Django's ModelBackend, with a user's permissions read in one query.

Every page asks for the signed-in user's permissions (the role checks of claims.access,
the templates' `perms`); ModelBackend reads them with two queries per request, one for the
user's own permissions and one for their groups'. Here they are one UNION query, kept on
the user object for the rest of the request as ModelBackend keeps them. Nothing else
differs: authentication, is_active, superusers (every permission), object permissions
(none).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            pairs = Permission.objects.values_list("content_type__app_label", "codename").order_by()
            if not user_obj.is_superuser:
                pairs = (
                    pairs.filter(user=user_obj).union(pairs.filter(group__user=user_obj)).order_by()
                )
            user_obj._perm_cache = {f"{app}.{name}" for app, name in pairs}
        return user_obj._perm_cache
