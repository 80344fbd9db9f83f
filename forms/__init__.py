"""Flask-WTF form classes: validation only, never database access.

Every form derives from `Form`, whose validation messages (WTForms' own: "This field is
required.", lengths, choices, CSRF) come from the application's catalogues in the interface
language; WTForms ships no Vietnamese.
"""

from flask_babel import get_translations
from flask_wtf import FlaskForm


class CatalogueTranslations:
    """WTForms' translation interface over the application's catalogues (plain lookups, no formatting)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    """A Flask-WTF form whose own messages follow the interface language."""

    class Meta:
        def get_translations(self, form):
            return CatalogueTranslations()
