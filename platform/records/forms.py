from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Legal basis and reason"),
        help_text=_(
            "Why the law allows this erasure, and who asked (for example: the person's "
            "request of 3 March under GDPR article 17, checked against the record-keeping "
            "duty). Do not write the person's name here: this text is kept in the access log."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirmation = forms.CharField(
        label=_("Type the participant's name to confirm"),
        max_length=254,
    )
