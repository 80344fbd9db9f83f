"""The survey page stays light: 30 KiB compressed with its stylesheets, nothing from elsewhere."""

import gzip
import re

import pytest

from tests.helpers import D1

BUDGET = 30 * 1024


@pytest.mark.parametrize("path", [D1, D1 + "?lang=en"])
def test_survey_page_and_its_css_fit_the_budget(client, province, path):
    html = client.get(path).data
    sheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets == [b"/static/app.css"]
    assets = []
    for sheet in sheets:
        with client.get(sheet.decode()) as response:  # static files are streamed: close them
            assets.append(response.data)
    compressed = sum(len(gzip.compress(body, compresslevel=6)) for body in [html, *assets])
    assert compressed <= BUDGET, f"{compressed} bytes compressed"
    everything = b"".join([html, *assets])
    assert not re.search(rb'(src|href)="(https?:)?//', everything)  # no third-party requests
    assert b"<script" not in html and b"@font-face" not in everything and b"@import" not in everything
