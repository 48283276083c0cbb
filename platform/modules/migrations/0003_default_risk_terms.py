from django.db import migrations

# A starting list; each organisation's admins edit it. `*` ends a word with any ending.
ACUTE = {
    "sv": ["döda*", "mörda*", "ta livet av*", "självmord*", "skada barn*", "slå barn*",
           "strypa*", "stryptag*"],
    "en": ["kill", "kills", "killed", "killing", "murder*", "suicide*", "end my life",
           "hurt the children", "hurt my children", "strangle*"],
}
HIGH = {
    "sv": ["kniv*", "vapen*", "pistol*", "gevär*", "skjuta*", "slå ihjäl", "hota*", "hot"],
    "en": ["knife", "knives", "gun", "guns", "weapon*", "shoot*", "threaten*"],
}


def add_terms(apps, schema_editor):
    RiskTerm = apps.get_model("modules", "RiskTerm")
    for level, terms in (("acute", ACUTE), ("high", HIGH)):
        for language, phrases in terms.items():
            for phrase in phrases:
                RiskTerm.objects.get_or_create(
                    phrase=phrase, language=language, defaults={"level": level}
                )


class Migration(migrations.Migration):
    dependencies = [("modules", "0002_risk_terms")]

    operations = [migrations.RunPython(add_terms, migrations.RunPython.noop)]
