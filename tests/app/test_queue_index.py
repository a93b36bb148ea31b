"""The queue's index: sorting and the fast text search agree with a plain scan for any needle."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.app.queue import QueueData, QueueFilter, order


def make(titles: list[str]) -> QueueData:
    data = QueueData()
    for n, title in enumerate(titles):
        data.ids.append(f"i{n}")
        data.profile.append("infrastructure" if n % 2 else "appraisal")
        data.urgency.append(n % 4)
        data.score.append((n * 37 % 100) / 100)
        data.rank_key.append((n % 4) * 2 + 1 - (n * 37 % 100) / 100)
        data.status.append(["new", "assigned", "waiting", "pending_assignment"][n % 4])
        data.escalate.append(n % 8 == 0)  # half the new issues are ones the decision escalates
        data.clocks.append(())
        data.created.append(float(n))
        data.hay.append(f"i{n} {title}".lower())
    return data


@settings(max_examples=80, deadline=None)
@given(titles=st.lists(st.text(alphabet="abcs ilvert-\n", max_size=20), max_size=40),
       needle=st.text(alphabet="abcs ilvert-", min_size=1, max_size=6))
def test_text_filter_equals_a_plain_scan(titles: list[str], needle: str) -> None:
    data = make(titles)
    everything = order(data, QueueFilter(), 0.0)
    assert sorted(everything) == list(range(len(titles)))
    keys = [data.rank_key[i] for i in everything]
    assert keys == sorted(keys)
    expected = [i for i in everything if needle.lower() in data.hay[i]]
    assert list(order(data, QueueFilter(text=needle), 0.0)) == expected
    narrowed = order(data, QueueFilter(text=needle + "e"), 0.0, within=expected)
    assert list(narrowed) == [i for i in expected if (needle + "e").lower() in data.hay[i]]


def test_filters_combine() -> None:
    data = make(["outage db", "silver teapot", "outage dns", "watch"] * 5)
    rows = order(data, QueueFilter(text="outage", urgency=0, status="new", profile="appraisal"), 0.0)
    assert rows and all(data.urgency[i] == 0 and data.status[i] == "new" and data.profile[i] == "appraisal"
                        and "outage" in data.hay[i] for i in rows)
    escalating = order(data, QueueFilter(status="to_escalate"), 0.0)
    assert escalating and set(escalating) == {i for i in range(20) if data.status[i] == "new" and data.escalate[i]}
    assert set(order(data, QueueFilter(status="new"), 0.0)) == {i for i in range(20) if data.status[i] == "new"}
    newest = order(data, QueueFilter(sort="newest"), 0.0)
    assert list(newest) == sorted(range(20), reverse=True)
