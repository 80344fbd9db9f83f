"""Numbers on pages read the locale's way, exactly as Babel's format_decimal writes them."""

import random

import pytest
from flask_babel import format_decimal

from survey.web.filters import decimal1, number, percent


@pytest.mark.parametrize("language", ["vi", "en"])
def test_numbers_match_babel_in_every_language(app, language):
    rng = random.Random(17)
    # random shares, and values whose last digit sits exactly on a rounding half
    shares = [rng.random() for _ in range(2000)] + [0.0, 1.0, 0.5, 0.00005, 0.99995, 0.01005, 0.02675, 12.345]
    with app.test_request_context(f"/?lang={language}", headers={"Accept-Language": language}):
        app.preprocess_request()
        for share in shares:
            assert percent(share) == format_decimal(100 * share, format="0.00") + "%"
            assert percent(share, 1) == format_decimal(100 * share, format="0.0") + "%"
            assert decimal1(10 * share) == format_decimal(10 * share, format="0.0")
            whole = rng.randint(0, 10**8)
            assert number(whole) == format_decimal(whole, format="#,##0")


def test_vietnamese_separators(app):
    with app.test_request_context("/?lang=vi", headers={"Accept-Language": "vi"}):
        app.preprocess_request()
        assert (percent(0.82664), percent(0.02675), number(1234567), decimal1(7.66)) == (
            "82,66%", "2,68%", "1.234.567", "7,7")
        assert (percent(None), number(None), percent(float("nan"))) == ("–", "–", "–")

