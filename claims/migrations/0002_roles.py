"""The Researchers and Editors groups with their model permissions.

The lists are written out here as they were when this migration was made: a migration
must not import live app code (claims.roles changes; history must not). Permissions
added later are given to the groups by the post_migrate handler (claims.apps), which
only ever adds.
"""

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
ROLES = {"Researchers": RESEARCHER_PERMS, "Editors": EDITOR_PERMS}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
