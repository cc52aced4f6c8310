"""Whether anyone can see the window: the page's word and Qt's, both needed."""

from __future__ import annotations

import pytest

from facemood.visibility import Visibility


def test_seen_until_told_otherwise_and_only_while_both_say_so():
    visibility = Visibility()
    assert visibility.seen  # a window whose reports never come keeps working in full
    visibility.window_changed(False)  # minimised: some window managers leave the page "visible"
    visibility.page_changed("visible")
    assert not visibility.seen
    visibility.window_changed(True)
    assert visibility.seen
    visibility.page_changed("hidden")  # Chromium hid the page; Qt still shows the window
    assert not visibility.seen
    visibility.page_changed("visible")
    assert visibility.seen


def test_an_unknown_page_state_is_refused_and_changes_nothing():
    visibility = Visibility()
    with pytest.raises(ValueError, match="prerender"):
        visibility.page_changed("prerender")
    assert visibility.seen
