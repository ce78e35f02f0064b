"""Symptom keys a patient can report, with plain-language labels for the app.

Keys are the stable ones of shared/interfaces.md. ``emergency`` marks the G11
signs of a serious allergic reaction or spread of the toxin: any one of them makes
the assessment ``urgent`` whatever the photos show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tracker.errors import InvalidArgumentError


@dataclass(frozen=True)
class Symptom:
    key: str
    label: str
    emergency: bool = False


SYMPTOMS: dict[str, Symptom] = {s.key: s for s in (
    Symptom("pain", "Pain at the injection site"),
    Symptom("pain_at_rest", "Pain even when not touching the site"),
    Symptom("tenderness", "Sore when touched"),
    Symptom("warmth", "The site feels warm or hot"),
    Symptom("swelling", "Swelling at the site"),
    Symptom("itch", "Itching at the site"),
    Symptom("pus", "Pus or fluid coming from the site"),
    Symptom("fever", "Fever, or feeling hot and unwell"),
    Symptom("bump", "A bump or lump under the skin"),
    Symptom("hives", "Hives or a spreading rash", emergency=True),
    Symptom("breathing_difficulty", "Difficulty breathing", emergency=True),
    Symptom("swallowing_difficulty", "Difficulty swallowing", emergency=True),
    Symptom("face_lip_tongue_throat_swelling", "Swelling of the face, lips, tongue or throat", emergency=True),
    Symptom("vision_change", "Blurred or double vision", emergency=True),
    Symptom("distant_weakness", "Muscle weakness away from the treated area", emergency=True),
    Symptom("speech_difficulty", "Trouble speaking", emergency=True),
    Symptom("drooping_eyelid_or_brow", "Drooping eyelid or eyebrow"),
    Symptom("asymmetry", "The two sides of the face look uneven"),
)}

EMERGENCY_SYMPTOMS = frozenset(k for k, s in SYMPTOMS.items() if s.emergency)


def check_symptoms(symptoms: Iterable[str]) -> frozenset[str]:
    """The reported keys as a set; an unknown key raises InvalidArgumentError listing the known ones."""
    if isinstance(symptoms, str):
        symptoms = [s for s in symptoms.split(",") if s.strip()]
    keys = [str(s).strip() for s in symptoms]
    unknown = [k for k in keys if k not in SYMPTOMS]
    if unknown:
        raise InvalidArgumentError(
            f"unknown symptom key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"known keys: {', '.join(SYMPTOMS)}"
        )
    return frozenset(keys)
