"""The seeded instruments: PHQ-9, GAD-7, AUDIT and the violence and control checklist.
Idempotent: written by key, so running it again duplicates nothing.

The data is a frozen copy, as measures/instruments.py (the live seed) held it when this
migration was written: a migration must always write the same rows, whatever later changes
to the live code (tests/measures/test_seed_migration.py checks the copy against the live
seed while the two still agree). Later changes to the seeded instruments belong in a new
migration."""

from django.db import migrations

# PHQ-9 and GAD-7 (Spitzer, Kroenke, Williams and colleagues) share their question, licence
# and four-step answer scale.
TWO_WEEKS_SV = (
    "Under de senaste två veckorna, hur ofta har du besvärats av något av följande problem?"
)
TWO_WEEKS_EN = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
SPITZER_LICENCE = (
    "Developed by Drs. Spitzer, Williams, Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
FREQUENCY_SCALE = [
    {"value": 0, "label_sv": "Inte alls", "label_en": "Not at all"},
    {"value": 1, "label_sv": "Flera dagar", "label_en": "Several days"},
    {"value": 2, "label_sv": "Mer än hälften av dagarna", "label_en": "More than half the days"},
    {"value": 3, "label_sv": "Nästan varje dag", "label_en": "Nearly every day"},
]

# Each instrument's fields, and its items in order (key, order, texts, own scale, flag_from).
INSTRUMENTS = [
    {
        "key": "phq-9",
        "name_sv": "PHQ-9 (nedstämdhet)",
        "name_en": "PHQ-9 (depression)",
        "intro_sv": TWO_WEEKS_SV,
        "intro_en": TWO_WEEKS_EN,
        "licence_note": SPITZER_LICENCE,
        "scale": FREQUENCY_SCALE,
        "cutoffs": [
            {"min": 0, "label_sv": "Minimal", "label_en": "Minimal"},
            {"min": 5, "label_sv": "Lindrig", "label_en": "Mild"},
            {"min": 10, "label_sv": "Måttlig", "label_en": "Moderate"},
            {"min": 15, "label_sv": "Medelsvår", "label_en": "Moderately severe"},
            {"min": 20, "label_sv": "Svår", "label_en": "Severe"},
        ],
        "improvement_threshold": 5,
        "higher_is_worse": True,
        "items": [
            {
                "key": "1",
                "order": 1,
                "text_sv": "Lite intresse eller glädje i att göra saker",
                "text_en": "Little interest or pleasure in doing things",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "2",
                "order": 2,
                "text_sv": "Känt dig nedstämd, deprimerad eller känt att framtiden ser hopplös ut",
                "text_en": "Feeling down, depressed, or hopeless",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "3",
                "order": 3,
                "text_sv": "Svårt att somna eller få en hel natts sömn, eller sovit för mycket",
                "text_en": "Trouble falling or staying asleep, or sleeping too much",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "4",
                "order": 4,
                "text_sv": "Känt dig trött eller haft ont om energi",
                "text_en": "Feeling tired or having little energy",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "5",
                "order": 5,
                "text_sv": "Dålig aptit eller ätit för mycket",
                "text_en": "Poor appetite or overeating",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "6",
                "order": 6,
                "text_sv": "Dålig självkänsla – eller känt att du är misslyckad eller att du har "
                "svikit dig själv eller din familj",
                "text_en": "Feeling bad about yourself – or that you are a failure or have let "
                "yourself or your family down",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "7",
                "order": 7,
                "text_sv": "Svårt att koncentrera dig, till exempel när du läser tidningen eller "
                "tittar på TV",
                "text_en": "Trouble concentrating on things, such as reading the newspaper or "
                "watching television",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "8",
                "order": 8,
                "text_sv": "Rört dig eller talat så långsamt att andra kunnat lägga märke till det? "
                "Eller motsatsen – att du varit så nervös eller rastlös att du rört dig "
                "mycket mer än vanligt",
                "text_en": "Moving or speaking so slowly that other people could have noticed? Or the "
                "opposite – being so fidgety or restless that you have been moving around "
                "a lot more than usual",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "9",
                "order": 9,
                "text_sv": "Tankar på att det skulle vara bättre om du var död eller att skada dig på "
                "något sätt",
                "text_en": "Thoughts that you would be better off dead or of hurting yourself in some "
                "way",
                "scale": None,
                "flag_from": 1,
            },
        ],
    },
    {
        "key": "gad-7",
        "name_sv": "GAD-7 (oro och ångest)",
        "name_en": "GAD-7 (anxiety)",
        "intro_sv": TWO_WEEKS_SV,
        "intro_en": TWO_WEEKS_EN,
        "licence_note": SPITZER_LICENCE,
        "scale": FREQUENCY_SCALE,
        "cutoffs": [
            {"min": 0, "label_sv": "Minimal", "label_en": "Minimal"},
            {"min": 5, "label_sv": "Lindrig", "label_en": "Mild"},
            {"min": 10, "label_sv": "Måttlig", "label_en": "Moderate"},
            {"min": 15, "label_sv": "Svår", "label_en": "Severe"},
        ],
        "improvement_threshold": 4,
        "higher_is_worse": True,
        "items": [
            {
                "key": "1",
                "order": 1,
                "text_sv": "Känt dig nervös, ängslig eller väldigt stressad",
                "text_en": "Feeling nervous, anxious, or on edge",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "2",
                "order": 2,
                "text_sv": "Inte kunnat sluta oroa dig eller kontrollera din oro",
                "text_en": "Not being able to stop or control worrying",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "3",
                "order": 3,
                "text_sv": "Oroat dig för mycket för olika saker",
                "text_en": "Worrying too much about different things",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "4",
                "order": 4,
                "text_sv": "Haft svårt att koppla av",
                "text_en": "Trouble relaxing",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "5",
                "order": 5,
                "text_sv": "Varit så rastlös att du haft svårt att sitta still",
                "text_en": "Being so restless that it is hard to sit still",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "6",
                "order": 6,
                "text_sv": "Blivit lätt irriterad eller retlig",
                "text_en": "Becoming easily annoyed or irritable",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "7",
                "order": 7,
                "text_sv": "Känt dig rädd för att något hemskt skulle hända",
                "text_en": "Feeling afraid, as if something awful might happen",
                "scale": None,
                "flag_from": None,
            },
        ],
    },
    {
        "key": "audit",
        "name_sv": "AUDIT (alkoholvanor)",
        "name_en": "AUDIT (alcohol use)",
        "intro_sv": "Frågorna handlar om dina alkoholvanor. Ett standardglas är 33 cl starköl, 50 cl "
        "folköl, 12–15 cl vin, 8 cl starkvin eller 4 cl sprit. Svara så ärligt du kan.",
        "intro_en": "The questions are about your use of alcohol. One standard drink is 33 cl of strong "
        "beer, 50 cl of light beer, 12–15 cl of wine, 8 cl of fortified wine or 4 cl of "
        "spirits. Answer as honestly as you can.",
        "licence_note": "AUDIT, the Alcohol Use Disorders Identification Test, was developed by the "
        "World Health Organization (WHO) and is free to use. Swedish version: "
        "Folkhälsomyndigheten and Karolinska Institutet (Bergman & Källmén).",
        "scale": [
            {"value": 0, "label_sv": "Aldrig", "label_en": "Never"},
            {
                "value": 1,
                "label_sv": "Mer sällan än en gång i månaden",
                "label_en": "Less than monthly",
            },
            {"value": 2, "label_sv": "Varje månad", "label_en": "Monthly"},
            {"value": 3, "label_sv": "Varje vecka", "label_en": "Weekly"},
            {
                "value": 4,
                "label_sv": "Dagligen eller nästan varje dag",
                "label_en": "Daily or almost daily",
            },
        ],
        "cutoffs": [
            {"min": 0, "label_sv": "Låg risk", "label_en": "Low risk"},
            {"min": 8, "label_sv": "Riskbruk", "label_en": "Hazardous use"},
            {"min": 16, "label_sv": "Skadligt bruk", "label_en": "Harmful use"},
            {"min": 20, "label_sv": "Möjligt beroende", "label_en": "Possible dependence"},
        ],
        "improvement_threshold": 4,
        "higher_is_worse": True,
        "items": [
            {
                "key": "1",
                "order": 1,
                "text_sv": "Hur ofta dricker du alkohol?",
                "text_en": "How often do you have a drink containing alcohol?",
                "scale": [
                    {"value": 0, "label_sv": "Aldrig", "label_en": "Never"},
                    {
                        "value": 1,
                        "label_sv": "1 gång i månaden eller mer sällan",
                        "label_en": "Monthly or less",
                    },
                    {
                        "value": 2,
                        "label_sv": "2–4 gånger i månaden",
                        "label_en": "2 to 4 times a month",
                    },
                    {
                        "value": 3,
                        "label_sv": "2–3 gånger i veckan",
                        "label_en": "2 to 3 times a week",
                    },
                    {
                        "value": 4,
                        "label_sv": "4 gånger i veckan eller mer",
                        "label_en": "4 or more times a week",
                    },
                ],
                "flag_from": None,
            },
            {
                "key": "2",
                "order": 2,
                "text_sv": "Hur många standardglas dricker du en typisk dag då du dricker alkohol?",
                "text_en": "How many standard drinks containing alcohol do you have on a typical day "
                "when you are drinking?",
                "scale": [
                    {"value": 0, "label_sv": "1–2", "label_en": "1 or 2"},
                    {"value": 1, "label_sv": "3–4", "label_en": "3 or 4"},
                    {"value": 2, "label_sv": "5–6", "label_en": "5 or 6"},
                    {"value": 3, "label_sv": "7–9", "label_en": "7, 8 or 9"},
                    {"value": 4, "label_sv": "10 eller fler", "label_en": "10 or more"},
                ],
                "flag_from": None,
            },
            {
                "key": "3",
                "order": 3,
                "text_sv": "Hur ofta dricker du sex standardglas eller mer vid samma tillfälle?",
                "text_en": "How often do you have six or more standard drinks on one occasion?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "4",
                "order": 4,
                "text_sv": "Hur ofta under det senaste året har du inte kunnat sluta dricka sedan du "
                "börjat?",
                "text_en": "How often during the last year have you found that you were not able to "
                "stop drinking once you had started?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "5",
                "order": 5,
                "text_sv": "Hur ofta under det senaste året har du låtit bli att göra något som du "
                "borde ha gjort för att du drack?",
                "text_en": "How often during the last year have you failed to do what was normally "
                "expected of you because of drinking?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "6",
                "order": 6,
                "text_sv": "Hur ofta under det senaste året har du behövt en drink på morgonen för "
                "att komma igång efter en riklig alkoholkonsumtion?",
                "text_en": "How often during the last year have you needed a first drink in the "
                "morning to get yourself going after a heavy drinking session?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "7",
                "order": 7,
                "text_sv": "Hur ofta under det senaste året har du haft skuldkänslor eller "
                "samvetsförebråelser på grund av ditt drickande?",
                "text_en": "How often during the last year have you had a feeling of guilt or remorse "
                "after drinking?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "8",
                "order": 8,
                "text_sv": "Hur ofta under det senaste året har du inte kunnat komma ihåg vad som "
                "hände kvällen innan på grund av ditt drickande?",
                "text_en": "How often during the last year have you been unable to remember what "
                "happened the night before because you had been drinking?",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "9",
                "order": 9,
                "text_sv": "Har du eller någon annan blivit skadad på grund av ditt drickande?",
                "text_en": "Have you or someone else been injured as a result of your drinking?",
                "scale": [
                    {"value": 0, "label_sv": "Nej", "label_en": "No"},
                    {
                        "value": 2,
                        "label_sv": "Ja, men inte under det senaste året",
                        "label_en": "Yes, but not in the last year",
                    },
                    {
                        "value": 4,
                        "label_sv": "Ja, under det senaste året",
                        "label_en": "Yes, during the last year",
                    },
                ],
                "flag_from": None,
            },
            {
                "key": "10",
                "order": 10,
                "text_sv": "Har en släkting eller vän, en läkare eller annan vårdpersonal oroat sig "
                "över ditt drickande eller föreslagit att du ska minska på det?",
                "text_en": "Has a relative or friend, a doctor or another health worker been "
                "concerned about your drinking or suggested you cut down?",
                "scale": [
                    {"value": 0, "label_sv": "Nej", "label_en": "No"},
                    {
                        "value": 2,
                        "label_sv": "Ja, men inte under det senaste året",
                        "label_en": "Yes, but not in the last year",
                    },
                    {
                        "value": 4,
                        "label_sv": "Ja, under det senaste året",
                        "label_en": "Yes, during the last year",
                    },
                ],
                "flag_from": None,
            },
        ],
    },
    {
        "key": "violence-checklist",
        "name_sv": "Våld och kontroll – checklista",
        "name_en": "Violence and control checklist",
        "intro_sv": "Hur ofta har du gjort något av följande mot din partner eller en tidigare partner "
        "under den senaste månaden? Svara så ärligt du kan. Svaren hjälper dig och din "
        "terapeut att se vad som förändras.",
        "intro_en": "How often in the last month have you done any of the following to your partner or a "
        "former partner? Answer as honestly as you can. Your answers help you and your "
        "therapist see what changes.",
        "licence_note": "Written for Omtag. Free to use within the organisation.",
        "scale": [
            {"value": 0, "label_sv": "Aldrig", "label_en": "Never"},
            {"value": 1, "label_sv": "En gång", "label_en": "Once"},
            {"value": 2, "label_sv": "2–3 gånger", "label_en": "2–3 times"},
            {"value": 3, "label_sv": "Varje vecka", "label_en": "Weekly"},
            {"value": 4, "label_sv": "Dagligen", "label_en": "Daily"},
        ],
        "cutoffs": [
            {"min": 0, "label_sv": "Inget rapporterat", "label_en": "None reported"},
            {"min": 1, "label_sv": "Något rapporterat", "label_en": "Some reported"},
        ],
        "improvement_threshold": 3,
        "higher_is_worse": True,
        "items": [
            {
                "key": "physical-1",
                "order": 1,
                "text_sv": "Knuffat, ruskat eller hållit fast min partner",
                "text_en": "Pushed, shaken or held down my partner",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "physical-2",
                "order": 2,
                "text_sv": "Slagit, sparkat eller bitit min partner",
                "text_en": "Hit, kicked or bitten my partner",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "physical-3",
                "order": 3,
                "text_sv": "Kastat saker mot min partner",
                "text_en": "Thrown things at my partner",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "physical-4",
                "order": 4,
                "text_sv": "Tagit tag om min partners hals eller försvårat hens andning",
                "text_en": "Grabbed my partner's neck or made it hard for them to breathe",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "psychological-1",
                "order": 5,
                "text_sv": "Skrikit åt, förolämpat eller förnedrat min partner",
                "text_en": "Shouted at, insulted or humiliated my partner",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "psychological-2",
                "order": 6,
                "text_sv": "Hotat att skada min partner, barnen, ett husdjur eller mig själv",
                "text_en": "Threatened to hurt my partner, the children, a pet or myself",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "psychological-3",
                "order": 7,
                "text_sv": "Slagit sönder saker eller slagit i väggar och dörrar så att min partner "
                "blev rädd",
                "text_en": "Broken things or hit walls and doors so that my partner was frightened",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "sexual-1",
                "order": 8,
                "text_sv": "Tjatat, pressat eller övertalat min partner till sex som hen inte ville "
                "ha",
                "text_en": "Nagged, pressured or talked my partner into sex they did not want",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "sexual-2",
                "order": 9,
                "text_sv": "Tvingat min partner till sexuella handlingar",
                "text_en": "Forced my partner into sexual acts",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "economic-1",
                "order": 10,
                "text_sv": "Bestämt över min partners pengar eller hindrat hen från att ha egna "
                "pengar",
                "text_en": "Controlled my partner's money or kept them from having money of their own",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "economic-2",
                "order": 11,
                "text_sv": "Hindrat min partner från att arbeta eller studera",
                "text_en": "Kept my partner from working or studying",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "digital-1",
                "order": 12,
                "text_sv": "Läst min partners meddelanden eller gått igenom hens telefon utan lov",
                "text_en": "Read my partner's messages or gone through their phone without permission",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "digital-2",
                "order": 13,
                "text_sv": "Följt var min partner är eller vad hen gör via mobilen, datorn eller "
                "sociala medier",
                "text_en": "Tracked where my partner is or what they do through the phone, the "
                "computer or social media",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "digital-3",
                "order": 14,
                "text_sv": "Hotat att sprida, eller spridit, bilder eller uppgifter om min partner",
                "text_en": "Threatened to share, or shared, pictures or information about my partner",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "controlling-1",
                "order": 15,
                "text_sv": "Bestämt vem min partner får träffa eller prata med",
                "text_en": "Decided whom my partner may meet or talk to",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "controlling-2",
                "order": 16,
                "text_sv": "Krävt att få veta var min partner är hela tiden",
                "text_en": "Demanded to know where my partner is all the time",
                "scale": None,
                "flag_from": None,
            },
            {
                "key": "controlling-3",
                "order": 17,
                "text_sv": "Hindrat min partner från att gå ut eller från att söka hjälp",
                "text_en": "Stopped my partner from going out or from seeking help",
                "scale": None,
                "flag_from": None,
            },
        ],
    },
]


def seed(apps, schema_editor):
    """Create or bring back the instruments and their items, by key."""
    Instrument = apps.get_model("measures", "Instrument")
    InstrumentItem = apps.get_model("measures", "InstrumentItem")
    for data in INSTRUMENTS:
        fields = {name: value for name, value in data.items() if name not in ("key", "items")}
        instrument, _created = Instrument.objects.update_or_create(key=data["key"], defaults=fields)
        for item in data["items"]:
            defaults = {name: value for name, value in item.items() if name != "key"}
            InstrumentItem.objects.update_or_create(
                instrument=instrument, key=item["key"], defaults=defaults
            )


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_instrumentitem_flag_from")]

    # Reversing leaves the instruments: responses may point at them.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
