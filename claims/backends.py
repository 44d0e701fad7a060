"""Authentication backend: Django's ModelBackend, with the signed-in user and their permissions
read in one query, by SQL compiled once.

Every page asks for the signed-in user's permissions (the role checks of claims.access,
the templates' `perms`); ModelBackend reads them with two queries per request, one for the
user's own permissions and one for their groups', after the query for the user. Here the
user's row comes with one more column, their permissions (their own and their groups', or
every permission for a superuser) joined into one text, kept on the user object for the
rest of the request as ModelBackend keeps them: one round trip to the database per
signed-in request instead of three. The query is written out once (from the models'
table and column names) rather than built by the ORM on every request: compiling the
ORM's version cost about 1 ms of each signed-in request, more than running it; the user's
own columns are the SQL the ORM compiles for them, compiled once (claims.compiled.by_pk).
Nothing else differs: authentication, is_active, superusers (every permission), object
permissions (none).
"""

# ruff: noqa: S608 - only table and column names from the models go into the SQL text
from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from claims.compiled import by_pk


@cache
def _sql() -> tuple[str, str]:
    """(every permission, one user's permissions): "app_label", "codename" rows."""
    qn = connection.ops.quote_name
    user_perms = get_user_model().user_permissions.through._meta
    user_groups = get_user_model().groups.through._meta
    group_perms = Group.permissions.through._meta

    def col(meta, name: str) -> str:
        return f"{qn(meta.db_table)}.{qn(meta.get_field(name).column)}"

    perm, ctype = Permission._meta, ContentType._meta
    every = (
        f"SELECT {col(ctype, 'app_label')}, {col(perm, 'codename')} FROM {qn(perm.db_table)} "
        f"INNER JOIN {qn(ctype.db_table)} ON {col(perm, 'content_type')} = {col(ctype, 'id')}"
    )
    # the user model's own m2m tables name their columns by model: user_id, group_id, ...
    users = (
        f"SELECT {col(user_perms, 'permission')} FROM {qn(user_perms.db_table)} "
        f"WHERE {col(user_perms, 'user')} = %s"
    )
    groups = (
        f"SELECT {col(group_perms, 'permission')} FROM {qn(group_perms.db_table)} "
        f"INNER JOIN {qn(user_groups.db_table)} "
        f"ON {col(user_groups, 'group')} = {col(group_perms, 'group')} "
        f"WHERE {col(user_groups, 'user')} = %s"
    )
    return every, f"{every} WHERE {col(perm, 'id')} IN ({users} UNION {groups})"


PERMS = "claims_permissions"  # the user row's extra column: "app_label.codename" lines

# one text of rows, joined by a newline (no codename holds one)
_JOIN = {
    "postgresql": "string_agg({}, chr(10))",
    "sqlite": "group_concat({}, char(10))",
}


@cache
def _perms_column(vendor: str) -> str:
    """The user row's permissions as one more column (PERMS), the user's id taken from
    the row itself: every permission for a superuser, else their own and their groups'."""
    qn = connection.ops.quote_name
    user = get_user_model()._meta
    user_id = f"{qn(user.db_table)}.{qn(user.pk.column)}"
    every, own = _sql()
    perm, ctype = Permission._meta, ContentType._meta
    label = (
        f"{qn(ctype.db_table)}.{qn(ctype.get_field('app_label').column)} || '.' || "
        f"{qn(perm.db_table)}.{qn(perm.get_field('codename').column)}"
    )

    def joined(sql: str) -> str:
        return f"(SELECT {_JOIN[vendor].format(label)} {sql[sql.index(' FROM ') :]})"

    superuser = f"{qn(user.db_table)}.{qn(user.get_field('is_superuser').column)}"
    return (
        f"CASE WHEN {superuser} THEN {joined(every)} "
        f"ELSE {joined(own.replace('%s', user_id))} END AS {qn(PERMS)}"
    )


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        vendor = connection.vendor
        extra = _perms_column(vendor) if vendor in _JOIN else ""
        user = by_pk(get_user_model(), user_id, extra=extra)  # claims/compiled.py
        if user is None or not self.user_can_authenticate(user):
            return None
        if extra:
            perms = user.__dict__.pop(PERMS)
            user._perm_cache = set(perms.split("\n")) if perms else set()
        return user

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            every, own = _sql()
            with connection.cursor() as cursor:
                if user_obj.is_superuser:
                    cursor.execute(every)
                else:
                    cursor.execute(own, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app}.{name}" for app, name in cursor.fetchall()}
        return user_obj._perm_cache
