"""Symptom labels for the app, and the FDA 2007 local-reaction grade."""

from __future__ import annotations

import pytest

from tracker.errors import InvalidArgumentError
from tracker.triage import EMERGENCY_SYMPTOMS, SYMPTOMS, check_symptoms, fda_grade

INTERFACE_KEYS = ("pain pain_at_rest tenderness warmth swelling itch pus fever bump hives breathing_difficulty "
                  "swallowing_difficulty face_lip_tongue_throat_swelling vision_change distant_weakness "
                  "speech_difficulty drooping_eyelid_or_brow asymmetry").split()


def test_the_symptom_keys_are_exactly_those_of_the_interface_with_labels():
    assert list(SYMPTOMS) == INTERFACE_KEYS
    assert all(s.label and s.label[0].isupper() for s in SYMPTOMS.values())


def test_the_g11_symptoms_are_marked_as_emergencies():
    assert EMERGENCY_SYMPTOMS == {"hives", "breathing_difficulty", "swallowing_difficulty",
                                  "face_lip_tongue_throat_swelling", "vision_change", "distant_weakness",
                                  "speech_difficulty"}


def test_symptoms_may_be_given_as_a_comma_separated_string():
    assert check_symptoms("pain, fever") == {"pain", "fever"}


def test_an_unknown_symptom_names_itself_and_every_known_key():
    with pytest.raises(InvalidArgumentError, match=r"unknown symptom key 'sore'; known keys: pain, pain_at_rest"):
        check_symptoms(["sore"])


@pytest.mark.parametrize(("diameter_mm", "grade"), [
    (None, None), (0.0, 0), (24.9, 0), (25.0, 1), (50.0, 1), (50.5, 2), (100.0, 2), (100.1, 3), (250.0, 3),
])
def test_the_fda_grade_follows_the_2007_diameter_bands(diameter_mm, grade):
    assert fda_grade(diameter_mm) == grade
