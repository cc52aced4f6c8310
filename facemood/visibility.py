"""Whether anyone can see the window: the live view works hard only then.

Two witnesses, each reporting its own changes: the page (document.visibilityState, on every
visibilitychange) and Qt (the window shown, hidden, minimised). The window counts as seen only while
both say so, because neither is enough alone: a minimised window's page may still report "visible"
(the page follows the web view being shown or hidden, which minimising is not, and window managers
differ), and only the page knows when Chromium itself hides it. Until a witness has spoken it counts as
seeing, so a window whose reports never come still works in full.
"""

from __future__ import annotations

PAGE_STATES = ("visible", "hidden")


class Visibility:
    def __init__(self):
        self._page = True
        self._window = True

    @property
    def seen(self) -> bool:
        return self._page and self._window

    def page_changed(self, state: str) -> None:
        """The page's document.visibilityState: "visible" or "hidden"."""
        if state not in PAGE_STATES:
            raise ValueError(f"visibility {state!r}: not one of {', '.join(PAGE_STATES)}")
        self._page = state == "visible"

    def window_changed(self, shown: bool) -> None:
        """Qt's word: the window is shown and not minimised."""
        self._window = bool(shown)
