"""An operator's shift in the browser (Debian's Chromium, through Traefik, against `vtoc
server run`): log on an operation's timeline, see another client's entry arrive live, ack a
critical report from the Dashboard's watch, and find it gone from the unacknowledged reports."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Web
from vtoc import schemas as s
from vtoc.schemas import Role

pytestmark = pytest.mark.e2e


def test_an_operators_shift(web: Web) -> None:
    page, api = web.page, web.api
    ids = web.seed()
    web.sign_in(Role.operator, name="web-watch")

    page.goto(f"{web.url}/operations/{ids['operation']}")
    page.get_by_role("tab", name="Timeline").click()
    form = page.get_by_role("form", name="Log an entry")
    form.get_by_label("What happened (Markdown)").fill("Falcon 1 reports contact at grid 31U")
    form.get_by_label("When (blank: now)").fill("+2h")
    form.get_by_role("button", name="Log entry").click()
    expect(form.get_by_text(re.compile("future"))).to_be_visible()  # the server's refusal
    form.get_by_label("When (blank: now)").fill("-10m")
    form.get_by_label("Kind").select_option("contact")
    form.get_by_role("button", name="Log entry").click()
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline).to_contain_text("Falcon 1 reports contact at grid 31U")
    [entry] = api.journal.list(operation_id=ids["operation"]).items
    assert (entry.author, entry.kind) == ("web-watch", "contact")

    api.journal.create(text="Relief in place at 0600", operation_id=ids["operation"])
    expect(timeline.get_by_role("listitem").first).to_contain_text("Relief in place at 0600")
    web.shoot("operation-timeline")

    beacon = api.intel.create(title="Beacon to cdn-static.top", severity="critical")
    web.nav("Dashboard").click()
    watch = page.get_by_role("region", name=re.compile("Watch"))
    row = watch.get_by_role("listitem").filter(has_text="Beacon to cdn-static.top")
    expect(row).to_contain_text("ack due")
    web.shoot("dashboard-watch")
    row.get_by_role("button", name="Acknowledge 'Beacon to cdn-static.top'").click()
    expect(watch.get_by_text("Beacon to cdn-static.top")).to_have_count(0)
    assert api.acknowledge(beacon.id).acked_by == "web-watch"

    web.nav("Intelligence").click()
    unacknowledged_only = page.get_by_role("checkbox", name="Unacknowledged only")
    unacknowledged_only.click()  # a filter in the URL: the box follows once the route has
    expect(unacknowledged_only).to_be_checked()
    reports = page.get_by_role("list", name="Reports")
    expect(reports).to_contain_text("SSH brute force")
    expect(reports.get_by_text("Beacon to cdn-static.top")).to_have_count(0)


def test_a_clusters_row_on_the_timeline_opens_the_cluster(web: Web) -> None:
    """Every event on a timeline links to the page of its row: a cluster's, too."""
    page, api = web.page, web.api
    operation = api.operations.create(name="Clustered in the browser")
    address = "198.51.8.8"
    reports = [
        api.intel.create(title=f"Beacon {n} to {address}", body=f"dst {address}",
                         operation_id=operation.id).id
        for n in (1, 2)
    ]  # fmt: skip
    api.correlation_run(s.CorrelationRun())
    cluster = next(c for c in api.correlations(limit=50).items if set(reports) <= {*c.report_ids})
    web.sign_in(Role.viewer, name="web-reader")

    page.goto(f"{web.url}/operations/{operation.id}")
    page.get_by_role("tab", name="Timeline").click()
    timeline = page.get_by_role("list", name="Timeline")
    line = f"correlation.merged: correlation {cluster.id} 2 reports, {cluster.severity}"
    timeline.get_by_role("link", name=line).click()
    expect(page).to_have_url(re.compile(f"/correlations/{cluster.id}$"))
    expect(page.get_by_role("main")).to_contain_text(address)
