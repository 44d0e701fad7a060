"""The Researchers and Editors groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RESEARCHER_PERMS = [
    "view_source", "add_source",
    "view_actor", "add_actor",
    "view_actoralias", "add_actoralias",
    "view_affiliation", "add_affiliation",
    "view_claim", "add_claim",
    "view_statement", "add_statement", "change_statement", "delete_statement",
    "view_contradiction", "add_contradiction",
    "view_note", "add_note",
]
EDITOR_PERMS = RESEARCHER_PERMS + [
    "change_source",
    "change_actor",
    "change_actoralias", "delete_actoralias",
    "change_affiliation", "delete_affiliation",
    "change_claim",
    "change_contradiction", "delete_contradiction",
    "review_claim", "merge_claim", "review_contradiction",
]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [("Researchers", RESEARCHER_PERMS), ("Editors", EDITOR_PERMS)]:
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        assert perms.count() == len(set(codenames)), "a role permission is missing"
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Researchers", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
