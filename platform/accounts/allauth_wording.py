"""allauth's texts that our Swedish catalogue words differently from allauth's own.

allauth ships a Swedish translation that writes "Epost" and "epost-adress"; our labels say
"E-postadress". A msgid in our catalogue (platform/locale/sv) wins over allauth's, because
LOCALE_PATHS comes first, but `makemessages` keeps only msgids it finds in our source: without
this list, `make messages` marks these entries obsolete and allauth's wording comes back.

Nothing imports this module: `makemessages` reads it, and gettext_noop only marks the text.
Keep each msgid exactly as allauth writes it (see allauth/account/adapter.py, forms.py,
fields.py, models.py and socialaccount/adapter.py); tests/accounts/test_login_on_a_phone.py
checks that the login and password-reset errors spell "e-postadress" as our labels do.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

ALLAUTH_MSGIDS: tuple[str, ...] = (
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("This email address is already associated with this account."),
    gettext_noop("You cannot remove your primary email address."),
    gettext_noop("Your primary email address must be verified."),
    gettext_noop("You must type the same email each time."),
    gettext_noop("Your account has no verified email address."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("Email"),
    gettext_noop("email addresses"),
    gettext_noop("Email (again)"),
    gettext_noop("Email address confirmation"),
    gettext_noop("Email (optional)"),
    gettext_noop("Username or email"),
    gettext_noop("Email or phone"),
    gettext_noop("Username, email or phone"),
)
