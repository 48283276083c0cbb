"""A starting risk-assessment instrument in the style of FREDA (Socialstyrelsen's short
questions, description of the violence, and danger assessment), in our own words. It is
data: an organisation changes the wording or adds items without a code change."""

from django.db import migrations

YES_NO = "yes_no"
FREQUENCY = "frequency"

ITEMS = [
    # (key, section, kind, Swedish, English)
    ("s_afraid", "screening", YES_NO,
     "Är du rädd för din partner eller före detta partner?",
     "Are you afraid of your partner or former partner?"),
    ("s_hurt", "screening", YES_NO,
     "Har din partner skadat dig fysiskt, till exempel slagit, knuffat eller hållit fast dig?",
     "Has your partner hurt you physically, for example hit, pushed or held you down?"),
    ("s_threat", "screening", YES_NO,
     "Har din partner hotat dig, dina barn eller någon som står dig nära?",
     "Has your partner threatened you, your children or someone close to you?"),
    ("s_control", "screening", YES_NO,
     "Bestämmer din partner över vad du gör, vem du träffar, dina pengar eller din telefon?",
     "Does your partner decide what you do, whom you see, your money or your phone?"),
    ("s_sexual", "screening", YES_NO,
     "Har din partner tvingat eller pressat dig till sexuella handlingar?",
     "Has your partner forced or pressured you into sexual acts?"),
    ("d_physical", "description", FREQUENCY,
     "Fysiskt våld (slag, sparkar, knuffar, att hålla fast), senaste året",
     "Physical violence (hitting, kicking, pushing, holding down), in the past year"),
    ("d_psychological", "description", FREQUENCY,
     "Psykiskt våld (hot, kränkningar, att skrämma eller nedvärdera), senaste året",
     "Psychological violence (threats, insults, frightening or belittling), in the past year"),
    ("d_sexual", "description", FREQUENCY,
     "Sexuellt våld, senaste året",
     "Sexual violence, in the past year"),
    ("d_economic", "description", FREQUENCY,
     "Ekonomiskt våld (att ta kontroll över pengar, skulder i ditt namn), senaste året",
     "Economic violence (taking control of money, debts in your name), in the past year"),
    ("d_digital", "description", FREQUENCY,
     "Digitalt våld (att läsa din telefon, spåra dig, hota eller hänga ut dig på nätet), "
     "senaste året",
     "Digital violence (reading your phone, tracking you, threats or exposure online), "
     "in the past year"),
    ("d_material", "description", FREQUENCY,
     "Att förstöra saker, slå sönder eller skada husdjur, senaste året",
     "Destroying things, breaking things or harming pets, in the past year"),
    ("d_control", "description", FREQUENCY,
     "Kontroll och isolering (att hindra dig från att träffa andra, arbeta eller studera), "
     "senaste året",
     "Control and isolation (stopping you from seeing others, working or studying), "
     "in the past year"),
    ("x_escalation", "danger", YES_NO,
     "Har våldet blivit grövre eller vanligare det senaste året?",
     "Has the violence become more severe or more frequent in the past year?"),
    ("x_weapon", "danger", YES_NO,
     "Har din partner använt eller hotat med vapen, kniv eller annat tillhygge?",
     "Has your partner used or threatened you with a weapon, a knife or another object?"),
    ("x_weapon_access", "danger", YES_NO,
     "Har din partner tillgång till vapen?",
     "Does your partner have access to weapons?"),
    ("x_strangulation", "danger", YES_NO,
     "Har din partner någon gång tagit stryptag på dig eller på annat sätt hindrat dig från "
     "att andas?",
     "Has your partner ever strangled you or in another way stopped you from breathing?"),
    ("x_kill_threat", "danger", YES_NO,
     "Har din partner hotat att döda dig eller någon annan?",
     "Has your partner threatened to kill you or someone else?"),
    ("x_believes_kill", "danger", YES_NO,
     "Tror du att din partner skulle kunna döda dig?",
     "Do you believe your partner could kill you?"),
    ("x_separation", "danger", YES_NO,
     "Har ni separerat nyligen, eller planerar du att lämna relationen?",
     "Have you separated recently, or are you planning to leave the relationship?"),
    ("x_jealousy", "danger", YES_NO,
     "Är din partner mycket svartsjuk eller kontrollerande?",
     "Is your partner intensely jealous or controlling?"),
    ("x_stalking", "danger", YES_NO,
     "Förföljer, övervakar eller trakasserar din partner dig?",
     "Does your partner follow, watch or harass you?"),
    ("x_breach", "danger", YES_NO,
     "Har din partner brutit mot ett kontaktförbud eller ett liknande beslut?",
     "Has your partner broken a restraining order or a similar decision?"),
    ("x_children_exposed", "danger", YES_NO,
     "Har barnen sett, hört eller själva blivit utsatta för våldet?",
     "Have the children seen or heard the violence, or been subjected to it themselves?"),
    ("x_child_threat", "danger", YES_NO,
     "Har din partner hotat barnen, eller hotat att ta barnen ifrån dig?",
     "Has your partner threatened the children, or threatened to take them from you?"),
    ("x_pregnancy", "danger", YES_NO,
     "Har du blivit utsatt för våld när du var gravid?",
     "Have you been subjected to violence while you were pregnant?"),
    ("x_substance", "danger", YES_NO,
     "Använder din partner alkohol eller droger på ett sätt som gör våldet värre?",
     "Does your partner use alcohol or drugs in a way that makes the violence worse?"),
    ("x_suicide", "danger", YES_NO,
     "Har din partner hotat att ta sitt eget liv?",
     "Has your partner threatened to take their own life?"),
]


def add_items(apps, schema_editor):
    RiskItem = apps.get_model("partner", "RiskItem")
    for order, (key, section, kind, text_sv, text_en) in enumerate(ITEMS, start=1):
        RiskItem.objects.update_or_create(
            key=key,
            defaults={
                "section": section,
                "kind": kind,
                "text_sv": text_sv,
                "text_en": text_en,
                "order": order * 10,
            },
        )


def remove_items(apps, schema_editor):
    apps.get_model("partner", "RiskItem").objects.filter(key__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("partner", "0001_initial")]

    operations = [migrations.RunPython(add_items, remove_items)]
