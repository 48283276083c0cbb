"""Wagtail's initial "Welcome to your new Wagtail site!" page goes.

Wagtail's first migration makes that placeholder page and points the default site at it. Our
programmes are pages of their own beside it, so an editor met an empty English page in the
CMS that nothing uses. The site (and the help box settings that belong to it) stays: it is
pointed at the tree's root, under which every programme lies, before the placeholder is
deleted. Only the untouched placeholder is removed: a plain page, with Wagtail's title and
slug and no pages below it.

On a database created before this migration as on a fresh one. Not reversible in content
(the placeholder is not worth making again); reversing leaves the tree as it is.
"""

from django.db import migrations

WELCOME_TITLE = "Welcome to your new Wagtail site!"
WELCOME_SLUG = "home"


def remove_welcome_page(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentType = apps.get_model("contenttypes", "ContentType")

    root = Page.objects.filter(depth=1).order_by("path").first()
    plain_page = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    if root is None or plain_page is None:
        return
    welcome = Page.objects.filter(
        depth=2,
        path__startswith=root.path,
        content_type=plain_page,
        title=WELCOME_TITLE,
        slug=WELCOME_SLUG,
        numchild=0,
    ).first()
    if welcome is None:
        return
    Site.objects.filter(root_page=welcome).update(root_page=root)
    welcome.delete()
    # The historical model has no tree methods: keep the parent's child count right by hand.
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0007_block_labels"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(remove_welcome_page, migrations.RunPython.noop)]
