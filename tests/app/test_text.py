"""The plain-language figures the patient reads, and the errors they see."""

from __future__ import annotations

import pytest

from tracker.errors import AccessDeniedError, ImageTooLargeError, UnreadableImageError
from ui import text


@pytest.mark.parametrize("now,before,label,expected", [
    (48.0, 60.0, "yesterday", "The red area is 48 mm², 20% smaller than yesterday."),
    (72.0, 48.0, "2 days ago", "The red area is 72 mm², 50% bigger than 2 days ago."),
    (50.0, 49.0, "yesterday", "The red area is 50 mm², about the same as yesterday."),
    (4.25, None, "yesterday", "The red area is 4.2 mm²."),
    (0.0, 38.0, "yesterday", "No red area was measured this time (38 mm² yesterday)."),
    (None, 38.0, "yesterday", None),
])
def test_the_comparison_sentence_gives_the_area_and_the_change_in_words(now, before, label, expected):
    assert text.comparison_sentence(now, before, before_label=label) == expected


def test_the_earlier_photo_is_named_by_how_long_ago_it_was():
    assert text.before_label(50.0, 26.0, None) == "yesterday"
    assert text.before_label(74.0, 26.0, None) == "2 days ago"
    assert text.before_label(30.0, 26.0, None) == "earlier today"


def test_days_since_injection_read_as_hours_then_days():
    assert text.fmt_days(5.2) == "5 h after injection"
    assert text.fmt_days(26.0) == "day 1.1"
    assert text.fmt_days(75.0) == "day 3"
    assert text.fmt_days(None) == "time since injection unknown"


def test_core_errors_become_messages_that_say_what_to_do():
    assert "Choose a photo file" in text.friendly_error(UnreadableImageError("scan.jpg is a PDF document"))
    assert "normal photo setting" in text.friendly_error(ImageTooLargeError("huge.png is 400 megapixels"))
    assert "ask your clinic" in text.friendly_error(AccessDeniedError("You may not see this."))
    assert "Traceback" not in text.friendly_error(RuntimeError("boom"))
    assert "try again" in text.friendly_error(RuntimeError("boom"))


def test_every_level_has_words_a_colour_and_a_symbol():
    for key in ("expected", "monitor", "contact", "urgent"):
        lv = text.level_text(key)
        assert lv.headline and lv.hex.startswith("#") and lv.emoji
    assert text.level_text("urgent").headline == "Seek emergency care now."
