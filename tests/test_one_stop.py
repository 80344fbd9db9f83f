"""A one-stop system plugged in end to end: receipts, dossier facts in batches, ratings, late changes.

The QĐ 766 ratio and the response rates on the unit page, in the API and in the CSV export must
equal a count made here, independently, from what the test itself sent.
"""

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta

from survey.db import get_engine
from survey.periods import LOCAL_OFFSET, local_today
from survey.scores import tally
from tests.factories import add_sipas
from tests.helpers import aged_ticket, answers, bearer, make_key, sign_in

UNITS = ("H-01", "H-02", "D1", "D2")
SERVICES = ("1.001193", "2.000815")
FIRST = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)


def local_month(moment: datetime) -> str:
    """Return the local (UTC+7) month of a UTC time."""
    return (moment + LOCAL_OFFSET).strftime("%Y-%m")


def make_dossiers(count: int) -> list[dict]:
    """Return the facts of dossiers received 1 October to mid-November 2026, some late or complained of."""
    rng = random.Random(16)
    dossiers = []
    for number in range(count):
        received = FIRST + timedelta(minutes=rng.randrange(60 * 24 * 45))
        due = received + timedelta(days=rng.choice((3, 5, 10)))
        returned = None
        if rng.random() < 0.85:
            returned = due + timedelta(hours=rng.choice((-30, -2, 5, 50)) if rng.random() < 0.3 else -20)
        dossiers.append({
            "code": f"000.00.{number:04d}.2026", "unit": UNITS[number % 4], "service": SERVICES[number % 2],
            "received_at": received.isoformat(), "due_at": due.isoformat(),
            "returned_at": returned and returned.isoformat(), "complaint": rng.random() < 0.04,
            "online": rng.random() < 0.3,
        })
    return dossiers


def independent_count(dossiers: list[dict], rating: dict[str, int], counter_months: dict[str, int],
                      units: tuple[str, ...] = UNITS) -> dict:
    """Count QĐ 766 and the rates from what was sent: per scope and per local month of reception."""
    rated_now = local_month(datetime.now(UTC))
    months: dict[str, dict[str, int]] = {}
    bad = received = returned = 0
    for d in (d for d in dossiers if d["unit"] in units):
        month = local_month(datetime.fromisoformat(d["received_at"]))
        row = months.setdefault(month, {"received": 0, "returned": 0})
        row["received"] += 1
        received += 1
        late = bool(d["returned_at"]) and datetime.fromisoformat(d["returned_at"]) > datetime.fromisoformat(
            d["due_at"])
        returned += bool(d["returned_at"])
        row["returned"] += bool(d["returned_at"])
        bad += rating.get(d["code"]) == 1 or d["complaint"] or late
    ratings = sum(1 for code, _ in rating.items() if next(d for d in dossiers if d["code"] == code)["unit"]
                  in units) + sum(counter_months.values())
    ratings_by_month = dict(counter_months)
    ratings_by_month[rated_now] = ratings_by_month.get(rated_now, 0) + ratings - sum(counter_months.values())
    return {"received": received, "returned": returned, "bad": bad, "ratings": ratings,
            "months": months, "ratings_by_month": ratings_by_month}


def test_a_one_stop_system_end_to_end(app, client, session, province):
    headers = bearer(make_key(session, province.root))
    dossiers = make_dossiers(1000)
    # 1. A receipt (and its survey link) for each dossier as it is received.
    links = {}
    for d in dossiers:
        answer = client.post("/api/v1/receipts", headers=headers,
                             json={"unit": d["unit"], "service": d["service"], "dossier": d["code"]})
        assert answer.status_code == 201, answer.json
        links[d["code"]] = answer.json["url"].split("survey.test", 1)[1]
    # 2. Facts in batches of 200; pushing a batch again changes nothing.
    for start in range(0, 1000, 200):
        batch = client.post("/api/v1/dossiers", headers=headers,
                            json={"dossiers": dossiers[start:start + 200]})
        assert {r["status"] for r in batch.json["results"]} == {"updated"}  # the receipts made the rows
    again = client.post("/api/v1/dossiers", headers=headers, json={"dossiers": dossiers[:200]})
    assert {r["status"] for r in again.json["results"]} == {"unchanged"}
    # 3. Citizens rate a third of the dossiers from their receipts; some counters collect paper too.
    rng = random.Random(61)
    rating = {}
    for d in rng.sample(dossiers, 300):
        value = rng.choice((1, 2, 3, 3))
        done = client.post(links[d["code"]], data=answers("tt01-dossier") | {
            "RATING": str(value), "ticket": aged_ticket(app)})
        assert done.status_code == 303
        rating[d["code"]] = value
    add_sipas(session, province, "D1", n=40, satisfied=30, when=FIRST + timedelta(days=3))
    add_sipas(session, province, "H-01", n=25, satisfied=20, when=FIRST + timedelta(days=40))
    counter_months = {"2026-10": 40, "2026-11": 25}
    with app.app_context():
        tally.fold(get_engine())
    # 4. After the ratings, the one-stop system corrects 120 dossiers: late returns and complaints.
    for number, d in enumerate(rng.sample(dossiers, 120)):
        if number % 2:
            d["returned_at"] = (datetime.fromisoformat(d["due_at"]) + timedelta(days=2)).isoformat()
        else:
            d["complaint"], d["complaint_outcome"] = True, "pending"
        body = {k: v for k, v in d.items() if k != "code"}
        answer = client.put(f"/api/v1/dossiers/{d['code']}", headers=headers, json=body)
        assert answer.json["status"] == "updated"
        if number == 60:
            with app.app_context():
                tally.fold(get_engine())  # half the changes folded, half still waiting
    period = f"2026-10-01..{local_today().isoformat()}"
    expected = independent_count(dossiers, rating, counter_months)
    check_api(client, headers, period, expected, dossiers, rating)
    sign_in(client, "admin")
    check_page(client, period, expected)
    check_export(client, period, expected)
    with app.app_context():
        tally.fold(get_engine())
    check_api(client, headers, period, expected, dossiers, rating)


def check_api(client, headers, period: str, expected: dict, dossiers: list[dict], rating: dict) -> None:
    """The API's QĐ 766 ratio and rates equal the independent count, overall, per month and per unit."""
    answer = client.get(f"/api/v1/response-rates?unit=P&period={period}", headers=headers).json
    assert answer["qd766"] == {"dossiers": expected["received"], "bad": expected["bad"],
                               "ratio": (expected["received"] - expected["bad"]) / expected["received"]}
    scope = answer["response_rates"]["scope"]
    assert (scope["ratings"], scope["received"], scope["returned"]) == (
        expected["ratings"], expected["received"], expected["returned"])
    assert scope["per_received"] == expected["ratings"] / expected["received"]
    for row in answer["response_rates"]["months"]:
        month = expected["months"].get(row["month"], {"received": 0, "returned": 0})
        assert (row["received"], row["returned"], row["ratings"]) == (
            month["received"], month["returned"], expected["ratings_by_month"].get(row["month"], 0)), row
    for row in answer["response_rates"]["units"]:
        units = ("H-01", "H-02") if row["unit"] == "H" else (row["unit"],)
        part = independent_count(dossiers, rating, {"2026-10": 40} if row["unit"] == "D1" else
                                 {"2026-11": 25} if row["unit"] == "H" else {}, units)
        assert (row["ratings"], row["received"], row["returned"]) == (
            part["ratings"], part["received"], part["returned"]), row


def check_page(client, period: str, expected: dict) -> None:
    """The unit page shows the same QĐ 766 ratio and rates."""
    html = client.get(f"/manage/unit/P?period={period}").text
    ratio = float(re.search(r'class="qd766" data-ratio="([0-9.]+)"', html)[1])
    assert abs(ratio - (expected["received"] - expected["bad"]) / expected["received"]) < 1e-6
    row = re.search(
        r'<tr data-rate-label="[^"]*" data-ratings="(\d+)" data-received="(\d+)" data-returned="(\d+)"', html)
    assert tuple(map(int, row.groups())) == (expected["ratings"], expected["received"], expected["returned"])
    assert "Tỷ lệ phản hồi" in html


def check_export(client, period: str, expected: dict) -> None:
    """The CSV export carries the same QĐ 766 figures and rates."""
    text = client.get(f"/manage/unit/P/export.csv?period={period}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Vietnamese: `;` and a decimal comma
    at = rows.index(["QĐ 766"])
    figures = rows[at + 2]
    assert (int(figures[0]), int(figures[4])) == (expected["received"], expected["bad"])
    ratio = float(figures[5].replace(",", "."))
    assert abs(ratio - (expected["received"] - expected["bad"]) / expected["received"]) < 1e-6
    at = rows.index(["Tỷ lệ phản hồi"])
    scope = rows[at + 2]
    assert tuple(int(v) for v in (scope[3], scope[4], scope[6])) == (
        expected["ratings"], expected["received"], expected["returned"])


def test_no_dossier_facts_reads_no_dossier_data_not_100(client, session, province):
    add_sipas(session, province, "D1", n=10, satisfied=9, when=FIRST)
    sign_in(client, "admin")
    html = client.get("/manage/?period=2026-10").text
    assert "QĐ 766: không có dữ liệu hồ sơ trong kỳ này." in html and "data-ratio" not in html
    headers = bearer(make_key(session, province.root))
    answer = client.get("/api/v1/response-rates?period=2026-10", headers=headers).json
    assert (answer["qd766"], answer["dossier_data"]) == (None, False)
    assert answer["response_rates"]["scope"] == {"ratings": 10, "received": 0, "returned": 0,
                                                 "per_received": None, "per_returned": None}
    assert date(2026, 10, 1) <= date.fromisoformat(answer["period"]["first"])
