"""Who may do what to pages, and who may edit the help box.

On Wagtail's root page (so on every programme and module):
- Editors add and change pages (drafts) and submit them for moderation; never publish.
- Clinical leads add, change and publish (they approve the moderation workflow's task).
- Wagtail's own "Moderators" group loses its page permissions: no role puts anyone in it,
  and a stray member must not be able to publish past the clinical review.

Clinical leads alone may change the help box site setting (`content.change_helpsettings`).

Idempotent, and reversible to Wagtail's defaults.
"""

from django.db import migrations

EDITORS = "Editors"
CLINICAL_LEADS = "Clinical leads"
MODERATORS = "Moderators"

GRANTS = {
    EDITORS: ["add_page", "change_page"],
    CLINICAL_LEADS: ["add_page", "change_page", "publish_page"],
}
# Whatever else these groups may hold on the root page is taken away.
NEVER = {EDITORS: ["publish_page", "bulk_delete_page", "lock_page", "unlock_page"]}
# Wagtail's initial data, restored on reversal.
MODERATOR_DEFAULTS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_DEFAULTS = ["add_page", "change_page"]


def _root(apps):
    return apps.get_model("wagtailcore", "Page").objects.filter(depth=1).first()


def _page_permission(apps, codename):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": f"Can {codename.replace('_page', '').replace('_', ' ')} page"},
    )
    return permission


def _helpsettings_permission(apps):
    # On a fresh database the model's permissions are only created after all migrations
    # (post_migrate), so make this one now; post_migrate then finds it in place.
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="content", model="helpsettings")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="change_helpsettings",
        defaults={"name": "Can change help box and site name"},
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = _root(apps)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in GRANTS}
    if root is not None:
        for name, codenames in GRANTS.items():
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=groups[name], page=root, permission=_page_permission(apps, codename)
                )
        for name, codenames in NEVER.items():
            GroupPagePermission.objects.filter(
                group=groups[name], page=root, permission__codename__in=codenames
            ).delete()
        GroupPagePermission.objects.filter(group__name=MODERATORS).delete()
    groups[CLINICAL_LEADS].permissions.add(_helpsettings_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = _root(apps)
    GroupPagePermission.objects.filter(group__name=CLINICAL_LEADS).delete()
    GroupPagePermission.objects.filter(group__name=EDITORS).exclude(
        permission__codename__in=EDITOR_DEFAULTS
    ).delete()
    for group in Group.objects.filter(name=CLINICAL_LEADS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="content", codename="change_helpsettings"
            )
        )
    moderators = Group.objects.filter(name=MODERATORS).first()
    if root is not None and moderators is not None:
        for codename in MODERATOR_DEFAULTS:
            GroupPagePermission.objects.get_or_create(
                group=moderators, page=root, permission=_page_permission(apps, codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_helpsettings"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
