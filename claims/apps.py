from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims tracker"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from .pagecache import watch

        connection_created.connect(watch, dispatch_uid="claims.pagecache.watch")

        post_migrate.connect(_ensure_roles, sender=self)
        pre_migrate.connect(_before_a_migration_plan, sender=self)
        post_migrate.connect(_ensure_search_index, sender=self)
        from . import search  # noqa: F401  (registers the SQLite fold function)


def _ensure_roles(sender, apps=None, **kwargs) -> None:
    from .roles import ensure_roles

    if apps is None:  # flush sends post_migrate without the migration state
        from django.apps import apps

    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def _before_a_migration_plan(sender, using="default", plan=None, **kwargs) -> None:
    """SQLite: the search document's triggers would make a table rebuild fail
    (search_schema.sqlite_drop_doc_triggers); post_migrate's ensure() puts them back."""
    from django.db import connections

    from .search_schema import sqlite_drop_doc_triggers

    if plan:
        sqlite_drop_doc_triggers(connections[using])


def _ensure_search_index(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from .search_schema import ensure

    ensure(connections[using])
