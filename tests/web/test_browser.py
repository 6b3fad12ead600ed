"""What a browser user does, in Debian's Chromium, through Traefik, against `vtoc server run`."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Web
from vtoc.schemas import Role

pytestmark = pytest.mark.e2e


def test_operator_works_through_every_page_live(web: Web) -> None:
    page, api = web.page, web.api
    ids = web.seed()
    token = web.sign_in(Role.operator, name="web-operator")

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Operations"))).to_contain_text("1")
    expect(page.get_by_text("intel.created").first).to_be_visible()
    expect(page.locator(".live")).to_have_text("● live")
    web.shoot("dashboard")

    web.nav("Operations").click()
    expect(page.get_by_role("link", name="OP-0001")).to_be_visible()
    page.get_by_role("button", name="New operation").click()
    form = page.get_by_role("form", name="New operation")
    form.get_by_label("Name").fill("Harbour Shield")
    form.get_by_label("Priority").select_option("critical")
    form.get_by_role("button", name="Create operation").click()
    expect(page.get_by_role("heading", name=re.compile("Harbour Shield"))).to_be_visible()
    created = [op for op in api.operations.list().items if op.name == "Harbour Shield"]
    assert created and created[0].priority == "critical"
    assert page.url.endswith(f"/operations/{created[0].id}")
    page.get_by_role("button", name="Edit").click()
    edit = page.get_by_role("form", name="Edit operation")
    edit.get_by_label("Status").select_option("paused")
    edit.get_by_label("Commander").fill("Cdr. Vik")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator(".facts")).to_contain_text("Cdr. Vik")
    assert api.operations.get(created[0].id).status == "paused"
    page.get_by_role("button", name="New mission").click()
    page.get_by_role("form", name="New mission").get_by_label("Name").fill("Pier sweep")
    page.get_by_role("button", name="Create mission").click()
    expect(page.get_by_role("link", name="Pier sweep")).to_be_visible()
    web.shoot("operation-detail")

    web.nav("Operations").click()
    expect(page.get_by_role("link", name="OP-0002")).to_be_visible()
    page.get_by_label("Priority").select_option("critical")
    expect(page.get_by_role("link", name="OP-0001")).to_have_count(0)
    web.shoot("operations")

    page.goto(f"{web.url}/missions/{ids['mission']}")
    page.get_by_role("form", name="Assign an asset").get_by_label("Asset").select_option(
        label="Falcon 2 (available)"
    )
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("button", name="Release Falcon 2")).to_be_visible()
    assert len(api.missions.get(ids["mission"]).asset_ids) == 1
    web.shoot("missions")

    web.nav("Assets").click()
    expect(page.get_by_test_id("asset-map").locator("g.map-point")).to_have_count(3)
    expect(page.get_by_role("row", name=re.compile("Relay Hill"))).to_contain_text("unreachable")
    web.shoot("assets")

    web.nav("Agents").click()
    expect(page.get_by_role("link", name="monitor")).to_be_visible()
    page.get_by_role("button", name="Trigger analyzer").click()
    expect(page.get_by_role("row", name=re.compile("analyzer"))).to_contain_text("due now")
    expect(page.get_by_role("row", name=re.compile("monitor"))).not_to_contain_text("due now")
    web.shoot("agents")

    # Intelligence: select a report, then a report filed elsewhere appears without a reload
    # while the selection stays where it was.
    web.nav("Intelligence").click()
    page.get_by_role("link", name="SSH brute force from 203.0.113.7").click()
    detail = page.get_by_role("article")
    expect(detail.get_by_text("203.0.113.7", exact=True)).to_be_visible()
    expect(detail.get_by_role("link", name="Scan from 203.0.113.7")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")
    api.intel.create(title="Beacon to evil.example.net", severity="critical")
    expect(page.get_by_role("link", name="Beacon to evil.example.net")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page", "the page reloaded"
    assert urlsplit(page.url).path == f"/intel/{ids['report']}"
    expect(detail.get_by_role("heading", name="SSH brute force from 203.0.113.7")).to_be_visible()
    web.shoot("intelligence")

    page.get_by_role("button", name="New report").click()
    filing = page.get_by_role("form", name="New report")
    filing.get_by_role("button", name="File report").click()
    expect(filing.get_by_label("Title")).to_have_accessible_description(
        re.compile("must not be empty or only spaces")
    )
    filing.get_by_label("Title").fill("Phishing from bad.example.org")
    filing.get_by_label(re.compile("^Details")).fill("Lure sent from bad.example.org")
    filing.get_by_label("Severity").select_option("high")
    filing.get_by_role("button", name="File report").click()
    expect(page.get_by_role("link", name="Phishing from bad.example.org")).to_be_visible()
    expect(filing).to_have_count(0)  # the form closes and the filed report opens
    expect(page.get_by_role("heading", name="Phishing from bad.example.org")).to_be_visible()
    assert api.intel.list(q="Phishing").items[0].severity == "high"

    assert token not in page.url
    assert token not in web.stack.access_log.read_text(), "the token leaked into a URL"


def test_deep_link_opens_directly_and_survives_reload(web: Web) -> None:
    page = web.page
    ids = web.seed()
    deep = f"{web.url}/operations/{ids['operation']}"
    page.goto(deep)
    # No token yet: the sign-in form, then the page the link named.
    page.get_by_label("API token").fill(web.token(Role.viewer))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Northern Watch"))).to_be_visible()
    expect(page.get_by_role("link", name="Ridge patrol")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Northern Watch"))).to_be_visible()
    page.goto(f"{web.url}/intel/{ids['report']}?min_severity=high")
    expect(page.get_by_role("article")).to_contain_text("CVE-2024-3094")
    expect(page.get_by_label("Minimum severity")).to_have_value("high")


def test_viewer_sees_no_write_buttons(web: Web) -> None:
    page = web.page
    ids = web.seed()
    web.sign_in(Role.viewer, name="web-viewer")
    expect(page.locator(".who")).to_contain_text("viewer")
    pages = {
        "/operations": "OP-0001",
        f"/operations/{ids['operation']}": "Ridge patrol",
        f"/missions/{ids['mission']}": "Assigned assets",
        f"/assets/{ids['asset']}": "Checks in",
        f"/agents/{ids['agent']}": "Configuration",
        "/intel": "SSH brute force from 203.0.113.7",
        "/agents": "monitor",
    }
    for path, visible in pages.items():
        page.goto(web.url + path)
        expect(page.get_by_text(visible, exact=True).first).to_be_visible()
        # Sign out is the only button a viewer gets (plus paging, absent here; the map's
        # points are buttons too, but only select; an operation's tabs only show).
        expect(page.locator("button:not([role=tab])")).to_have_count(1)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    web.shoot("viewer-agents")

    # Tablet width: everything fits without sideways scrolling; the keyboard starts at the
    # skip link, which lands on the page's content.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(web.url)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    web.shoot("dashboard-tablet")
    for path, name in [
        (f"/assets/{ids['asset']}", "assets-tablet"),
        (f"/missions/{ids['mission']}", "missions-tablet"),
    ]:
        page.goto(web.url + path)
        expect(page.get_by_role("article")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        web.shoot(name)


def test_bad_token_is_refused_and_not_kept(web: Web) -> None:
    page = web.page
    page.goto(web.url)
    page.get_by_label("API token").fill("vtoc_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown token")
    assert page.evaluate("sessionStorage.getItem('vtoc.token')") is None


def test_live_update_keeps_scroll_and_selection(web: Web) -> None:
    """Deep in a long list (second cursor page), a report filed elsewhere arrives at the
    top while the row the user chose stays selected and where it was on screen."""
    page, api = web.page, web.api
    for n in range(60):
        api.intel.create(title=f"Routine sighting {n:02d}", severity="low")
    web.sign_in(Role.viewer)
    web.nav("Intelligence").click()
    reports = page.get_by_role("list", name="Reports")
    expect(reports.get_by_role("listitem")).to_have_count(50)
    page.get_by_role("button", name="Load more").click()
    expect(reports.get_by_role("listitem")).to_have_count(60)
    chosen = reports.get_by_role("link", name="Routine sighting 05")
    chosen.scroll_into_view_if_needed()
    chosen.click()
    expect(page.get_by_role("article")).to_contain_text("Routine sighting 05")
    selected = reports.locator("li[aria-current='true']")
    expect(selected).to_contain_text("Routine sighting 05")
    scrolled = reports.evaluate("list => list.scrollTop")
    assert scrolled > 0, "the chosen report should be below the list's first screen"
    where = selected.bounding_box()

    page.evaluate("window.__marker = 'same page'")
    api.intel.create(title="Beacon to evil.example.net", severity="critical")
    expect(reports.get_by_role("listitem").first).to_contain_text("Beacon to evil.example.net")
    expect(reports.get_by_role("listitem")).to_have_count(61)

    assert page.evaluate("window.__marker") == "same page", "the page reloaded"
    expect(selected).to_contain_text("Routine sighting 05")
    expect(page.get_by_role("article")).to_contain_text("Routine sighting 05")
    # The new row went in above the viewport; the chosen row did not move under the user.
    assert selected.bounding_box() == pytest.approx(where, abs=1)
    assert reports.evaluate("list => list.scrollTop") >= scrolled
    web.shoot("intelligence-scrolled")


def test_mission_form_field_errors_and_stale_edit(web: Web) -> None:
    """Plan a mission in full from the Missions page; the server's 422 shows at its field;
    an edit that lost a race to someone else is refused (412) and can start over."""
    page, api = web.page, web.api
    web.seed()
    web.sign_in(Role.operator)
    web.nav("Missions").click()
    page.get_by_role("button", name="New mission").click()
    form = page.get_by_role("form", name="New mission")
    form.get_by_label("Operation").select_option(label="OP-0001 · Northern Watch")
    form.get_by_label("Name").fill("Bridge watch")
    form.get_by_label("Objective").fill("Hold the bridge until relieved")
    form.get_by_label("Status").select_option("in_progress")
    form.get_by_label("Priority").select_option("critical")
    form.get_by_label("Due").fill("2030-05-01T12:30")
    form.get_by_label(re.compile("^Assets")).select_option(
        label=["Falcon 1 (deployed)", "Relay Hill (unreachable)"]
    )
    form.get_by_role("button", name="Create mission").click()
    detail = page.get_by_role("article")
    expect(detail.get_by_role("heading", name="Bridge watch")).to_be_visible()
    expect(detail.get_by_role("button", name="Release Relay Hill")).to_be_visible()
    mission_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    mission = api.missions.get(mission_id)
    assert (mission.status, mission.priority) == ("in_progress", "critical")
    assert mission.objective == "Hold the bridge until relieved"
    due = page.evaluate("new Date('2030-05-01T12:30').getTime()") / 1000
    assert mission.due_at is not None and mission.due_at.timestamp() == due
    assert len(mission.asset_ids) == 2

    detail.get_by_role("button", name="Edit").click()
    edit = page.get_by_role("form", name="Edit mission")
    # Someone else changes the mission while this form is open: the live update warns.
    api.missions.update(mission_id, status="blocked", version=mission.version)
    expect(edit.get_by_role("alert")).to_contain_text("changed this mission while you were editing")
    # The form keeps the user's draft rather than jumping to the new version.
    expect(edit.get_by_label("Status")).to_have_value("in_progress")

    name = edit.get_by_label("Name")
    name.fill("")
    edit.get_by_role("button", name="Save changes").click()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("must not be empty or only spaces"))

    name.fill("Bridge watch (night)")
    edit.get_by_label("Priority").select_option("high")
    edit.get_by_role("button", name="Save changes").click()
    expect(edit.locator(".stale")).to_contain_text("Not saved: someone else changed this mission")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    web.shoot("mission-stale")
    assert api.missions.get(mission_id).name == "Bridge watch", "the stale edit overwrote"

    edit.get_by_role("button", name="Reload latest").click()
    expect(edit.get_by_label("Status")).to_have_value("blocked")
    expect(edit.get_by_label("Name")).to_have_value("Bridge watch")
    expect(edit.get_by_role("alert")).to_have_count(0)
    edit.get_by_label("Priority").select_option("high")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("form", name="Edit mission")).to_have_count(0)
    saved = api.missions.get(mission_id)
    assert (saved.status, saved.priority) == ("blocked", "high")
    expect(detail).to_contain_text(page.evaluate("new Date('2030-05-01T12:30').toLocaleString()"))
    expect(detail.locator("time")).to_have_text(re.compile(r"^in \d+ d$"))
    web.shoot("mission-detail")


def test_operator_edits_an_asset_and_an_agent(web: Web) -> None:
    page, api = web.page, web.api
    ids = web.seed()
    web.sign_in(Role.operator)
    web.nav("Assets").click()
    # Keyboard: Tab to a point on the map, Enter selects it.
    point = page.get_by_role("button", name="Falcon 2 (available)")
    point.focus()
    page.keyboard.press("Enter")
    detail = page.get_by_role("article")
    expect(detail.get_by_role("heading", name="Falcon 2")).to_be_visible()
    expect(point).to_have_attribute("aria-pressed", "true")

    detail.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit asset")
    form.get_by_label("Latitude").fill("95")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_label("Latitude")).to_have_accessible_description(
        re.compile(r"must be 90(\.0)? or less")
    )
    form.get_by_label("Attributes").fill("{radio: VHF}")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_label("Attributes")).to_have_accessible_description("not valid JSON")
    web.shoot("asset-errors")
    form.get_by_label("Latitude").fill("59.99")
    form.get_by_label("Status").select_option("maintenance")
    form.get_by_label("Callsign").fill("F2")
    form.get_by_label(re.compile("Check in every")).fill("120")
    form.get_by_label("Attributes").fill('{"radio": "VHF"}')
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("form", name="Edit asset")).to_have_count(0)
    expect(detail).to_contain_text("every 120 s")
    expect(page.get_by_role("row", name=re.compile("Falcon 2"))).to_contain_text("maintenance")
    expect(page.locator("g.map-point.status-maintenance")).to_have_count(1)
    falcon = next(a for a in api.assets.list().items if a.name == "Falcon 2")
    assert (falcon.lat, falcon.status, falcon.callsign) == (59.99, "maintenance", "F2")
    assert (falcon.heartbeat_seconds, falcon.attributes) == (120, {"radio": "VHF"})
    web.shoot("asset-detail")

    page.goto(f"{web.url}/agents/{ids['agent']}")
    page.get_by_role("button", name="Edit settings").click()
    settings = page.get_by_role("form", name="Settings of monitor")
    settings.get_by_label("Run every (seconds)").fill("0")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_label("Run every (seconds)")).to_have_accessible_description(
        re.compile("must be 1 or more")
    )
    settings.get_by_label("Run every (seconds)").fill("300")
    settings.get_by_label("Enabled").uncheck()
    settings.get_by_label(re.compile("Configuration")).fill('{"target": []}')  # misspelled
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_label(re.compile("Configuration"))).to_have_accessible_description(
        re.compile("^target: unknown field")
    )
    config = {**api.agents.get(ids["agent"]).config, "timeout_seconds": 120}
    settings.get_by_label(re.compile("Configuration")).fill(json.dumps(config))
    settings.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("form", name="Settings of monitor")).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("monitor"))).to_contain_text("5 min")
    agent = api.agents.get(ids["agent"])
    assert (agent.interval_seconds, agent.enabled, agent.config) == (300, False, config)
    web.shoot("agent-detail")
