"""The hand-made trials of the biomarker tests, with the values every expectation is computed
from (docs/biomarkers.md).

BIO-T: each of ten subject profiles below is repeated 12 times (so no count is small and the
report draws the section); everyone is TRD (`population: trd`), MADRS 30 at baseline (ADY 1,
ABLFL) and 10 (responder and remitter) or 20 (neither) at ADY 29 = day 28 = D28. Biomarkers at
baseline (ADY 1, ABLFL) and, for some, CRP again at ADY 29.

  profile  arm       CRP at baseline      IL-6  D28 MADRS  CRP at D28
  K1       ketamine  3.0 mg/L   (high)    1     10         1.0
  K2       ketamine  0.5 mg/dL = 5 (high) 2     10         0.2 mg/dL = 2
  K3       ketamine  10 mg/L    (high)    3     20         12
  K4       ketamine  1.0 mg/L   (low)     4     10         1.0
  K5       ketamine  2.9 mg/L   (low)     5     20         -
  K6       ketamine  1.5 mg/L   (low)     5     20         -
  P1       placebo   4 mg/L     (high)    7     20         -
  P2       placebo   6 mg/L     (high)    8     10         -
  P3       placebo   1 mg/L     (low)     9     20         -
  P4       placebo   2 mg/L     (low)     10    10         -

The dataset's median baseline IL-6 is 5 (values 1, 2, 3, 4, 5, 5, 7, 8, 9, 10, each 12 times),
so K5 and K6 at exactly 5 are high. K6 also has a TNF-alpha in mmol/L (an unknown unit: the GX
unit check fails it and no model reads it); P1 a TNF-alpha of 600 pg/mL (above the plausible
500: a warning).

BIO-SMALL: three ketamine and two placebo subjects (every count small), for the suppression
tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KETAMINE_ARM = "Ketamine 0.5 mg/kg IV"
PLACEBO_ARM = "Midazolam"
REPEATS = 12


@dataclass(frozen=True)
class Profile:
    code: str
    arm: str
    crp: tuple[float, str]
    il6: float
    madrs_d28: float
    crp_d28: tuple[float, str] | None = None
    extra_lab: tuple[tuple[str, float, str], ...] = ()


PROFILES = (
    Profile("K1", KETAMINE_ARM, (3.0, "mg/L"), 1, 10, (1.0, "mg/L")),
    Profile("K2", KETAMINE_ARM, (0.5, "mg/dL"), 2, 10, (0.2, "mg/dL")),
    Profile("K3", KETAMINE_ARM, (10.0, "mg/L"), 3, 20, (12.0, "mg/L")),
    Profile("K4", KETAMINE_ARM, (1.0, "mg/L"), 4, 10, (1.0, "mg/L")),
    Profile("K5", KETAMINE_ARM, (2.9, "mg/L"), 5, 20),
    Profile("K6", KETAMINE_ARM, (1.5, "mg/L"), 5, 20, None, (("TNFA", 2.0, "mmol/L"),)),
    Profile("P1", PLACEBO_ARM, (4.0, "mg/L"), 7, 20, None, (("TNFA", 600.0, "pg/mL"),)),
    Profile("P2", PLACEBO_ARM, (6.0, "mg/L"), 8, 10),
    Profile("P3", PLACEBO_ARM, (1.0, "mg/L"), 9, 20),
    Profile("P4", PLACEBO_ARM, (2.0, "mg/L"), 10, 10),
)


@dataclass(frozen=True)
class Dataset:
    dataset_id: str
    arms: dict[str, str]
    adsl: list[dict[str, object]] = field(default_factory=list)
    adqs: list[dict[str, object]] = field(default_factory=list)
    adlb: list[dict[str, object]] = field(default_factory=list)


def _subject(ds: Dataset, usubjid: str, p: Profile) -> None:
    study = ds.dataset_id
    ds.adsl.append(
        {"studyid": study, "usubjid": usubjid, "trt01a": p.arm, "saffl": "Y", "age": 40, "sex": "F"}
    )
    for ady, aval, ablfl in ((1, 30.0, "Y"), (29, p.madrs_d28, None)):
        ds.adqs.append(
            {
                "studyid": study,
                "usubjid": usubjid,
                "paramcd": "MADRSTOT",
                "aval": aval,
                "ady": ady,
                "ablfl": ablfl,
            }
        )
    labs = [("CRP", *p.crp, 1, "Y"), ("IL6", p.il6, "pg/mL", 1, "Y")]
    labs += [(code, value, unit, 1, "Y") for code, value, unit in p.extra_lab]
    if p.crp_d28 is not None:
        labs.append(("CRP", *p.crp_d28, 29, None))
    for paramcd, aval, avalu, ady, ablfl in labs:
        ds.adlb.append(
            {
                "studyid": study,
                "usubjid": usubjid,
                "paramcd": paramcd,
                "aval": aval,
                "avalu": avalu,
                "ady": ady,
                "ablfl": ablfl,
            }
        )


def _build() -> tuple[Dataset, ...]:
    arms = {KETAMINE_ARM: "ketamine", PLACEBO_ARM: "placebo"}
    large = Dataset("BIO-T", arms)
    for p in PROFILES:
        for r in range(1, REPEATS + 1):
            _subject(large, f"{p.code}-{r:02d}", p)
    small = Dataset("BIO-SMALL", arms)
    for p in (PROFILES[0], PROFILES[3], PROFILES[4], PROFILES[7], PROFILES[8]):
        _subject(small, f"S-{p.code}", p)
    return large, small


DATASETS = _build()
