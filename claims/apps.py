from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims tracker"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(sender, apps=None, **kwargs) -> None:
    from .roles import ensure_roles

    if apps is None:  # flush sends post_migrate without the migration state
        from django.apps import apps

    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
