"""Every key binding, named once: the app and screens bind them, the help screen lists them.

k9s conventions: ``:`` jumps to a view, ``/`` filters, ``?`` helps, ``esc`` goes back,
single letters act on the highlighted row. No ``ctrl+d`` delete: vim users scroll with it.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: actions that change data; ``--readonly`` hides them everywhere
WRITE_ACTIONS = frozenset(
    {
        "new",
        "edit",
        "delete",
        "trigger",
        "escalate",
        "log",
        "acknowledge",
        "hand_over",
        "accept_handover",
    }
)

#: the views the number keys open, 1 to 9
NUMBERED = (
    "dashboard",
    "operations",
    "missions",
    "assets",
    "intel",
    "agents",
    "events",
    "map",
    "correlations",
)

GLOBAL: list[BindingType] = [
    Binding("colon", "command", "Command", key_display=":"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("ctrl+r", "refresh", "Refresh"),
    Binding(
        "L",
        "log",
        "Log entry",
        key_display="L",
        show=False,
        tooltip="Log a journal entry for the operation in view (handover: ctrl+p)",
    ),
    Binding("ctrl+p", "command_palette", "Palette", show=False),
    Binding("ctrl+q", "quit", "Quit", show=False),
    *(
        Binding(str(number), f"go('{view}')", view.title(), show=False)
        for number, view in enumerate(NUMBERED, start=1)
    ),
]

LIST: list[BindingType] = [
    Binding("slash", "filter", "Filter", key_display="/"),
    Binding("enter", "drill", "Open", show=False),
    Binding("n", "new", "New"),
    Binding("e", "edit", "Edit"),
    Binding("d", "delete", "Delete"),
    Binding("escape", "back", "Back"),
]

AGENTS: list[BindingType] = [
    Binding("t", "trigger", "Trigger"),
    Binding("e", "edit", "Edit"),
    Binding("escape", "back", "Back"),
]

BACK: list[BindingType] = [Binding("escape", "back", "Back")]

#: the map's pans: vim's key, the arrow, the step (east, north) and its direction
PANS = (
    ("h", "left", (-1, 0), "west"),
    ("l", "right", (1, 0), "east"),
    ("k", "up", (0, 1), "north"),
    ("j", "down", (0, -1), "south"),
)

#: the map, whatever has focus: zoom, pan (vim's keys), fit the assets again
MAP: list[BindingType] = [
    Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", key_display="+"),
    Binding("minus", "zoom(2)", "Zoom out", key_display="-"),
    *(Binding(key, f"pan{step}", f"Pan {way}", show=False) for key, _, step, way in PANS),
    Binding("f", "fit", "Fit", tooltip="Fit the map to the assets again"),
]

#: the map's canvas once focused (tab): the arrows pan it rather than move the list
MAP_CANVAS: list[BindingType] = [
    Binding(arrow, f"screen.pan{step}", f"Pan {way}", show=False) for _, arrow, step, way in PANS
]

#: one row's detail: edit what is shown
DETAIL: list[BindingType] = [Binding("e", "edit", "Edit"), *BACK]

#: an intel report's detail
REPORT: list[BindingType] = [
    Binding("c", "cluster", "Cluster", tooltip="Open the correlation cluster the report is in"),
]

#: a correlation cluster's detail
CLUSTER: list[BindingType] = [
    Binding(
        "x",
        "escalate",
        "Escalate",
        tooltip="Escalate the cluster: each member a severity step up, one summary report",
    ),
    Binding("s", "summary", "Summary", tooltip="Open the summary report of an escalated cluster"),
    *BACK,
]

WATCH: list[BindingType] = [Binding("a", "acknowledge", "Ack report")]

FORM: list[BindingType] = [
    Binding("ctrl+s", "save", "Save"),
    Binding("ctrl+l", "reload", "Reload after a stale edit; keeps what you typed", show=False),
    Binding("escape", "cancel", "Cancel"),
]

#: view names and their ``:`` aliases
VIEWS: dict[str, tuple[str, ...]] = {
    "dashboard": ("dash", "dashboard", "home", "d"),
    "operations": ("ops", "op", "operations"),
    "missions": ("missions", "ms", "mission"),
    "assets": ("assets", "as", "asset"),
    "intel": ("intel", "in", "reports"),
    "correlations": ("correlations", "corr", "clusters", "correlation"),
    "agents": ("agents", "ag", "agent"),
    "events": ("events", "ev", "event"),
    "map": ("map",),
}


def view_for(command: str) -> str | None:
    word = command.strip().lstrip(":").lower()
    for view, aliases in VIEWS.items():
        if word == view or word in aliases:
            return view
    return None


def help_rows(readonly: bool) -> list[tuple[str, str, str]]:
    """(key, what, where) for every binding, write actions left out in read-only mode."""
    rows: list[tuple[str, str, str]] = []
    for where, bindings in (
        ("global", GLOBAL),
        ("lists", LIST),
        ("agents", AGENTS),
        ("details", DETAIL[:1]),
        ("reports", REPORT),
        ("clusters", CLUSTER[:2]),
        ("dashboard watch", WATCH),
        ("map", MAP[:2] + MAP[-1:]),  # the pan keys share one row below
        ("forms", FORM),
    ):
        for binding in bindings:
            assert isinstance(binding, Binding)
            if readonly and binding.action in WRITE_ACTIONS:
                continue
            key = binding.key_display or binding.key
            rows.append((key, binding.tooltip or binding.description, where))
    views = " ".join(f":{aliases[0]}" for aliases in VIEWS.values())
    rows.append((":<view>", f"Go to a view: {views}", "global"))
    rows.append(("up/down pgup/pgdn", "Move; more rows load as you scroll", "lists"))
    rows.append(("ctrl+home/ctrl+end", "First / last loaded row", "lists"))
    rows.append(("up/down", "Select an asset; it is marked on the map", "map"))
    rows.append(("hjkl; tab, arrows", "Pan the map (or focus it: arrows pan)", "map"))
    rows.append(("tab/shift+tab", "Next / previous field", "forms"))
    return rows
