"""FDA 2007 toxicity grade for local reactions to injectable products, from the greatest diameter.

Grades for erythema / redness by greatest diameter: below 25 mm no grade (0);
25-50 mm grade 1 (mild); 51-100 mm grade 2 (moderate); above 100 mm grade 3
(severe). Grade 4 (necrosis or exfoliative dermatitis) is never judged from a
photo. The scale asks that the continuous diameter be kept beside the grade.

References
----------
.. [1] U.S. FDA, CBER (2007). Guidance for Industry: Toxicity Grading Scale for
       Healthy Adult and Adolescent Volunteers Enrolled in Preventive Vaccine
       Clinical Trials. Table "Local reaction to injectable product".
"""

from __future__ import annotations


def fda_grade(max_diameter_mm: float | None) -> int | None:
    """Grade 0-3 from the greatest diameter of the red area; ``None`` when there is no scale.

    >>> fda_grade(24.9), fda_grade(25.0), fda_grade(50.0), fda_grade(50.5), fda_grade(100.0), fda_grade(101.0)
    (0, 1, 1, 2, 2, 3)
    """
    if max_diameter_mm is None:
        return None
    if max_diameter_mm < 25.0:
        return 0
    if max_diameter_mm <= 50.0:
        return 1
    if max_diameter_mm <= 100.0:
        return 2
    return 3
