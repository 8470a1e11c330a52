"""List counts stop at a cap (`LIST_COUNT_CAP`): a city-wide tab with tens of thousands of tasks
says "1000+" instead of counting every row on each view; paging on past the cap still works."""
import re

import pytest

from tests.support import Api
from tests.web_support import login


@pytest.fixture()
def five_open_reviews(app):
    """Five registered records: five available entry reviews for the reviewer; the cap set to 3."""
    with app.app_context():
        api = Api(app.test_client())
        for _ in range(5):
            api.as_("recorder").register()
    saved = app.config["LIST_COUNT_CAP"]
    app.config["LIST_COUNT_CAP"] = 3
    yield
    app.config["LIST_COUNT_CAP"] = saved


def test_api_total_stops_at_the_cap_and_says_so(app, five_open_reviews):
    with app.app_context():
        reviewer = Api(app.test_client()).as_("reviewer")
        body = reviewer.get("/tasks?scope=available&per_page=2").get_json()
        assert (body["total"], body["total_capped"], len(body["items"])) == (3, True, 2)
        body = reviewer.get("/tasks?scope=available&per_page=2&page=2").get_json()
        assert len(body["items"]) == 2 and body["total_capped"] is True
        # Asking for page 3 counts far enough to know the end: the exact total comes back.
        body = reviewer.get("/tasks?scope=available&per_page=2&page=3").get_json()
        assert (body["total"], body["total_capped"], len(body["items"])) == (5, False, 1)


def test_inbox_tabs_show_the_capped_count(app, client, five_open_reviews):
    login(client, "reviewer")
    html = client.get("/tasks?tab=available").get_data(as_text=True)
    assert re.search(r'data-count="available">([^<]+)<', html).group(1) == "3+"
    assert re.search(r'data-count="mine">([^<]+)<', html).group(1) == "0"
    # The list under the tab counts at least as far as its page of 20 rows: here, all five.
    assert "共 5 项" in html and html.count('data-element="entry_review"') == 5


def test_case_list_total_stops_at_the_cap_too(app, client, five_open_reviews):
    with app.app_context():
        reviewer = Api(app.test_client()).as_("reviewer")
        body = reviewer.get("/cases?per_page=2").get_json()
        assert (body["total"], body["total_capped"], len(body["items"])) == (3, True, 2)
        body = reviewer.get("/cases?per_page=2&page=3").get_json()
        assert (body["total"], body["total_capped"], len(body["items"])) == (5, False, 1)
