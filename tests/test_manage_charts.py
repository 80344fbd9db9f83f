"""Charts and the trend: readable labels, the month under way marked and left out of the limits."""

import re
from datetime import UTC, date, datetime, time, timedelta

from survey.periods import LOCAL_OFFSET, local_today
from tests.factories import add_sipas, verdict_mix
from tests.helpers import sign_in


def test_the_month_under_way_is_marked_and_left_out_of_the_control_limits(client, session, province):
    today = local_today()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)

    def moment(day: date) -> datetime:  # 10:00 local time that day
        return datetime.combine(day, time(10), UTC) - LOCAL_OFFSET

    add_sipas(session, province, "D1", n=60, satisfied=40, when=moment(last_month))
    add_sipas(session, province, "D1", n=2, satisfied=2, when=moment(today))
    sign_in(client, "admin")
    period = f"{last_month.isoformat()}..{today.isoformat()}"
    html = client.get("/manage/unit/D1", query_string={"period": period}).get_data(as_text=True)
    rows = re.findall(r"<tr( class=\"partial\")?><th scope=\"row\">([^<]+)</th>.*?<td>([^<]*)</td></tr>",
                      html[html.index('<table class="trend">'):], re.S)
    assert [(bool(p), month, text) for p, month, text in rows] == [
        (False, last_month.strftime("%m/%Y"), "trong giới hạn"),
        (True, today.strftime("%m/%Y") + "*", "tháng đang diễn ra: không đưa vào biểu đồ kiểm soát")]
    svg = client.get("/manage/unit/D1/trend.svg", query_string={"period": period}).get_data(as_text=True)
    assert today.strftime("%m/%y") + "*" in svg and "Tháng đang diễn ra" in svg


def test_funnel_labels_only_the_units_that_stand_out(client, session, province):
    verdict_mix(session, province)
    sign_in(client, "admin")
    svg = client.get("/manage/unit/P/funnel.svg?period=2026-07").get_data(as_text=True)
    labels = re.findall(r">(D1|D2|H)</text>", svg)
    assert sorted(labels) == ["D1", "D2"]  # D2 (50%) far below, D1 (100% of 60) above; H within the limits
    sizes = {float(size) for size in re.findall(r"font-size: ?([\d.]+)px", svg)}
    assert min(sizes) >= 10
