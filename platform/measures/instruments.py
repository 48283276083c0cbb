"""The seeded instruments, as data: PHQ-9, GAD-7 and AUDIT (free to use, in their established
Swedish versions) and our own checklist of violent and controlling behaviour.

`seed_instruments` writes them by key (update_or_create), so running it again brings the
rows back to these texts without duplicating anything. It takes the model classes as
arguments, so a migration can pass its historical models; fields that a historical model
does not have yet are left out."""

from __future__ import annotations

from typing import Any

PFIZER_NOTE = (
    "Developed by Drs. Spitzer, Williams, Kroenke and colleagues, with an educational grant "
    "from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)
AUDIT_NOTE = (
    "AUDIT, the Alcohol Use Disorders Identification Test, was developed by the World Health "
    "Organization (WHO) and is free to use. Swedish version: Folkhälsomyndigheten and "
    "Karolinska Institutet (Bergman & Källmén)."
)


def _scale(*labels: tuple[str, str], values: list[int] | None = None) -> list[dict[str, Any]]:
    values = values if values is not None else list(range(len(labels)))
    return [
        {"value": value, "label_sv": sv, "label_en": en}
        for value, (sv, en) in zip(values, labels, strict=True)
    ]


def _cutoffs(*bands: tuple[int, str, str]) -> list[dict[str, Any]]:
    return [{"min": low, "label_sv": sv, "label_en": en} for low, sv, en in bands]


TWO_WEEKS_SCALE = _scale(
    ("Inte alls", "Not at all"),
    ("Flera dagar", "Several days"),
    ("Mer än hälften av dagarna", "More than half the days"),
    ("Nästan varje dag", "Nearly every day"),
)
TWO_WEEKS_INTRO_SV = (
    "Under de senaste två veckorna, hur ofta har du besvärats av något av följande problem?"
)
TWO_WEEKS_INTRO_EN = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)

PHQ9: dict[str, Any] = {
    "key": "phq-9",
    "name_sv": "PHQ-9 (nedstämdhet)",
    "name_en": "PHQ-9 (depression)",
    "intro_sv": TWO_WEEKS_INTRO_SV,
    "intro_en": TWO_WEEKS_INTRO_EN,
    "licence_note": PFIZER_NOTE,
    "scale": TWO_WEEKS_SCALE,
    "cutoffs": _cutoffs(
        (0, "Minimal", "Minimal"),
        (5, "Lindrig", "Mild"),
        (10, "Måttlig", "Moderate"),
        (15, "Medelsvår", "Moderately severe"),
        (20, "Svår", "Severe"),
    ),
    "improvement_threshold": 5,
    "higher_is_worse": True,
    "items": [
        (
            "Lite intresse eller glädje i att göra saker",
            "Little interest or pleasure in doing things",
        ),
        (
            "Känt dig nedstämd, deprimerad eller känt att framtiden ser hopplös ut",
            "Feeling down, depressed, or hopeless",
        ),
        (
            "Svårt att somna eller få en hel natts sömn, eller sovit för mycket",
            "Trouble falling or staying asleep, or sleeping too much",
        ),
        ("Känt dig trött eller haft ont om energi", "Feeling tired or having little energy"),
        ("Dålig aptit eller ätit för mycket", "Poor appetite or overeating"),
        (
            "Dålig självkänsla – eller känt att du är misslyckad eller att du har svikit dig "
            "själv eller din familj",
            "Feeling bad about yourself – or that you are a failure or have let yourself or "
            "your family down",
        ),
        (
            "Svårt att koncentrera dig, till exempel när du läser tidningen eller tittar på TV",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
        ),
        (
            "Rört dig eller talat så långsamt att andra kunnat lägga märke till det? Eller "
            "motsatsen – att du varit så nervös eller rastlös att du rört dig mycket mer än "
            "vanligt",
            "Moving or speaking so slowly that other people could have noticed? Or the "
            "opposite – being so fidgety or restless that you have been moving around a lot "
            "more than usual",
        ),
        (
            "Tankar på att det skulle vara bättre om du var död eller att skada dig på något sätt",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
    ],
    # Any answer but "not at all" to the ninth question needs the therapist's attention.
    "flags": {"9": 1},
}

GAD7: dict[str, Any] = {
    "key": "gad-7",
    "name_sv": "GAD-7 (oro och ångest)",
    "name_en": "GAD-7 (anxiety)",
    "intro_sv": TWO_WEEKS_INTRO_SV,
    "intro_en": TWO_WEEKS_INTRO_EN,
    "licence_note": PFIZER_NOTE,
    "scale": TWO_WEEKS_SCALE,
    "cutoffs": _cutoffs(
        (0, "Minimal", "Minimal"),
        (5, "Lindrig", "Mild"),
        (10, "Måttlig", "Moderate"),
        (15, "Svår", "Severe"),
    ),
    "improvement_threshold": 4,
    "higher_is_worse": True,
    "items": [
        ("Känt dig nervös, ängslig eller väldigt stressad", "Feeling nervous, anxious, or on edge"),
        (
            "Inte kunnat sluta oroa dig eller kontrollera din oro",
            "Not being able to stop or control worrying",
        ),
        ("Oroat dig för mycket för olika saker", "Worrying too much about different things"),
        ("Haft svårt att koppla av", "Trouble relaxing"),
        (
            "Varit så rastlös att du haft svårt att sitta still",
            "Being so restless that it is hard to sit still",
        ),
        ("Blivit lätt irriterad eller retlig", "Becoming easily annoyed or irritable"),
        (
            "Känt dig rädd för att något hemskt skulle hända",
            "Feeling afraid, as if something awful might happen",
        ),
    ],
}

AUDIT_HOW_OFTEN = _scale(
    ("Aldrig", "Never"),
    ("Mer sällan än en gång i månaden", "Less than monthly"),
    ("Varje månad", "Monthly"),
    ("Varje vecka", "Weekly"),
    ("Dagligen eller nästan varje dag", "Daily or almost daily"),
)
AUDIT_YES_NO = _scale(
    ("Nej", "No"),
    ("Ja, men inte under det senaste året", "Yes, but not in the last year"),
    ("Ja, under det senaste året", "Yes, during the last year"),
    values=[0, 2, 4],
)

AUDIT: dict[str, Any] = {
    "key": "audit",
    "name_sv": "AUDIT (alkoholvanor)",
    "name_en": "AUDIT (alcohol use)",
    "intro_sv": (
        "Frågorna handlar om dina alkoholvanor. Ett standardglas är 33 cl starköl, 50 cl "
        "folköl, 12–15 cl vin, 8 cl starkvin eller 4 cl sprit. Svara så ärligt du kan."
    ),
    "intro_en": (
        "The questions are about your use of alcohol. One standard drink is 33 cl of strong "
        "beer, 50 cl of light beer, 12–15 cl of wine, 8 cl of fortified wine or 4 cl of "
        "spirits. Answer as honestly as you can."
    ),
    "licence_note": AUDIT_NOTE,
    "scale": AUDIT_HOW_OFTEN,
    "cutoffs": _cutoffs(
        (0, "Låg risk", "Low risk"),
        (8, "Riskbruk", "Hazardous use"),
        (16, "Skadligt bruk", "Harmful use"),
        (20, "Möjligt beroende", "Possible dependence"),
    ),
    "improvement_threshold": 4,
    "higher_is_worse": True,
    "items": [
        (
            "Hur ofta dricker du alkohol?",
            "How often do you have a drink containing alcohol?",
            _scale(
                ("Aldrig", "Never"),
                ("1 gång i månaden eller mer sällan", "Monthly or less"),
                ("2–4 gånger i månaden", "2 to 4 times a month"),
                ("2–3 gånger i veckan", "2 to 3 times a week"),
                ("4 gånger i veckan eller mer", "4 or more times a week"),
            ),
        ),
        (
            "Hur många standardglas dricker du en typisk dag då du dricker alkohol?",
            "How many standard drinks containing alcohol do you have on a typical day when "
            "you are drinking?",
            _scale(
                ("1–2", "1 or 2"),
                ("3–4", "3 or 4"),
                ("5–6", "5 or 6"),
                ("7–9", "7, 8 or 9"),
                ("10 eller fler", "10 or more"),
            ),
        ),
        (
            "Hur ofta dricker du sex standardglas eller mer vid samma tillfälle?",
            "How often do you have six or more standard drinks on one occasion?",
            None,
        ),
        (
            "Hur ofta under det senaste året har du inte kunnat sluta dricka sedan du börjat?",
            "How often during the last year have you found that you were not able to stop "
            "drinking once you had started?",
            None,
        ),
        (
            "Hur ofta under det senaste året har du låtit bli att göra något som du borde ha "
            "gjort för att du drack?",
            "How often during the last year have you failed to do what was normally expected "
            "of you because of drinking?",
            None,
        ),
        (
            "Hur ofta under det senaste året har du behövt en drink på morgonen för att komma "
            "igång efter en riklig alkoholkonsumtion?",
            "How often during the last year have you needed a first drink in the morning to "
            "get yourself going after a heavy drinking session?",
            None,
        ),
        (
            "Hur ofta under det senaste året har du haft skuldkänslor eller samvetsförebråelser "
            "på grund av ditt drickande?",
            "How often during the last year have you had a feeling of guilt or remorse after "
            "drinking?",
            None,
        ),
        (
            "Hur ofta under det senaste året har du inte kunnat komma ihåg vad som hände "
            "kvällen innan på grund av ditt drickande?",
            "How often during the last year have you been unable to remember what happened "
            "the night before because you had been drinking?",
            None,
        ),
        (
            "Har du eller någon annan blivit skadad på grund av ditt drickande?",
            "Have you or someone else been injured as a result of your drinking?",
            AUDIT_YES_NO,
        ),
        (
            "Har en släkting eller vän, en läkare eller annan vårdpersonal oroat sig över ditt "
            "drickande eller föreslagit att du ska minska på det?",
            "Has a relative or friend, a doctor or another health worker been concerned about "
            "your drinking or suggested you cut down?",
            AUDIT_YES_NO,
        ),
    ],
}

VIOLENCE_CHECKLIST: dict[str, Any] = {
    "key": "violence-checklist",
    "name_sv": "Våld och kontroll – checklista",
    "name_en": "Violence and control checklist",
    "intro_sv": (
        "Hur ofta har du gjort något av följande mot din partner eller en tidigare partner "
        "under den senaste månaden? Svara så ärligt du kan. Svaren hjälper dig och din "
        "terapeut att se vad som förändras."
    ),
    "intro_en": (
        "How often in the last month have you done any of the following to your partner or a "
        "former partner? Answer as honestly as you can. Your answers help you and your "
        "therapist see what changes."
    ),
    "licence_note": "Written for Omtag. Free to use within the organisation.",
    "scale": _scale(
        ("Aldrig", "Never"),
        ("En gång", "Once"),
        ("2–3 gånger", "2–3 times"),
        ("Varje vecka", "Weekly"),
        ("Dagligen", "Daily"),
    ),
    "cutoffs": _cutoffs(
        (0, "Inget rapporterat", "None reported"),
        (1, "Något rapporterat", "Some reported"),
    ),
    "improvement_threshold": 3,
    "higher_is_worse": True,
    "items": [
        # Physical
        ("Knuffat, ruskat eller hållit fast min partner", "Pushed, shaken or held down my partner"),
        ("Slagit, sparkat eller bitit min partner", "Hit, kicked or bitten my partner"),
        ("Kastat saker mot min partner", "Thrown things at my partner"),
        (
            "Tagit tag om min partners hals eller försvårat hens andning",
            "Grabbed my partner's neck or made it hard for them to breathe",
        ),
        # Psychological
        (
            "Skrikit åt, förolämpat eller förnedrat min partner",
            "Shouted at, insulted or humiliated my partner",
        ),
        (
            "Hotat att skada min partner, barnen, ett husdjur eller mig själv",
            "Threatened to hurt my partner, the children, a pet or myself",
        ),
        (
            "Slagit sönder saker eller slagit i väggar och dörrar så att min partner blev rädd",
            "Broken things or hit walls and doors so that my partner was frightened",
        ),
        # Sexual
        (
            "Tjatat, pressat eller övertalat min partner till sex som hen inte ville ha",
            "Nagged, pressured or talked my partner into sex they did not want",
        ),
        (
            "Tvingat min partner till sexuella handlingar",
            "Forced my partner into sexual acts",
        ),
        # Economic
        (
            "Bestämt över min partners pengar eller hindrat hen från att ha egna pengar",
            "Controlled my partner's money or kept them from having money of their own",
        ),
        (
            "Hindrat min partner från att arbeta eller studera",
            "Kept my partner from working or studying",
        ),
        # Digital
        (
            "Läst min partners meddelanden eller gått igenom hens telefon utan lov",
            "Read my partner's messages or gone through their phone without permission",
        ),
        (
            "Följt var min partner är eller vad hen gör via mobilen, datorn eller sociala medier",
            "Tracked where my partner is or what they do through the phone, the computer or "
            "social media",
        ),
        (
            "Hotat att sprida, eller spridit, bilder eller uppgifter om min partner",
            "Threatened to share, or shared, pictures or information about my partner",
        ),
        # Controlling
        (
            "Bestämt vem min partner får träffa eller prata med",
            "Decided whom my partner may meet or talk to",
        ),
        (
            "Krävt att få veta var min partner är hela tiden",
            "Demanded to know where my partner is all the time",
        ),
        (
            "Hindrat min partner från att gå ut eller från att söka hjälp",
            "Stopped my partner from going out or from seeking help",
        ),
    ],
    "item_keys": [
        "physical-1",
        "physical-2",
        "physical-3",
        "physical-4",
        "psychological-1",
        "psychological-2",
        "psychological-3",
        "sexual-1",
        "sexual-2",
        "economic-1",
        "economic-2",
        "digital-1",
        "digital-2",
        "digital-3",
        "controlling-1",
        "controlling-2",
        "controlling-3",
    ],
}

INSTRUMENTS: list[dict[str, Any]] = [PHQ9, GAD7, AUDIT, VIOLENCE_CHECKLIST]

# What a participant reads: what the questionnaire is about, in plain words first, and the
# acronym after, for anyone who knows it (the therapist's pages keep the acronym first, as
# clinicians name them). An instrument an admin adds is shown under its own name.
PLAIN_NAMES: dict[str, tuple[str, str]] = {
    "phq-9": ("Nedstämdhet (PHQ-9)", "Low mood (PHQ-9)"),
    "gad-7": ("Oro och ångest (GAD-7)", "Worry and anxiety (GAD-7)"),
    "audit": ("Alkoholvanor (AUDIT)", "Alcohol habits (AUDIT)"),
    "violence-checklist": ("Våld och kontroll – checklista", "Violence and control checklist"),
}

INSTRUMENT_FIELDS = (
    "name_sv",
    "name_en",
    "intro_sv",
    "intro_en",
    "licence_note",
    "scale",
    "cutoffs",
    "improvement_threshold",
    "higher_is_worse",
)


def _field_names(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def seed_instruments(instrument_model: Any, item_model: Any) -> int:
    """Create or bring back the seeded instruments and their items. Returns how many
    instruments there are."""
    item_fields = _field_names(item_model)
    for data in INSTRUMENTS:
        instrument, _created = instrument_model.objects.update_or_create(
            key=data["key"], defaults={name: data[name] for name in INSTRUMENT_FIELDS}
        )
        keys = data.get("item_keys") or [str(n) for n in range(1, len(data["items"]) + 1)]
        for order, (key, item) in enumerate(zip(keys, data["items"], strict=True), start=1):
            text_sv, text_en, *rest = item
            defaults: dict[str, Any] = {
                "order": order,
                "text_sv": text_sv,
                "text_en": text_en,
                "scale": rest[0] if rest else None,
            }
            if "flag_from" in item_fields:
                defaults["flag_from"] = data.get("flags", {}).get(key)
            item_model.objects.update_or_create(instrument=instrument, key=key, defaults=defaults)
    return len(INSTRUMENTS)
