"""Every rule of rules.md, one module each, named after its id; registered here explicitly.

A rule module has `RULE_ID`, `SUBJECT` (what it judges: an encounter, a claim, a prior-auth request) and
`check(chart, subject) -> Verdict | None`; its docstring is its documentation. Encounter rules may also have
`superseded_by(raised, later_encounter) -> bool`: a later visit of the same episode that corrects what the
alert was about (the updated code, the documented link) resolves it. OPS-PROVIDER-UNSPECIFIED-SHARE judges a
provider's window, not a patient's chart (see its module).
"""

from __future__ import annotations

from types import ModuleType

from streams.core.rules import (
    clm_invalid_code,
    clm_retired_code,
    clm_stale_code,
    clm_unsupported_specificity,
    cod_carried_forward,
    cod_contributing_dx_missing,
    cod_duration_undocumented,
    cod_excludes1_conflict,
    cod_imaging_unlinked,
    cod_inconsistent_change,
    cod_linked_but_unspecified,
    cod_m5451_unsupported,
    cod_m5459_unsupported,
    cod_repeat_unspecified,
    cod_sciatica_specificity,
    ops_provider_unspecified_share,
    pa_retired_code,
    pa_unspecified_code,
)

CLAIM_RULES: tuple[ModuleType, ...] = (
    clm_retired_code,
    clm_invalid_code,
    clm_stale_code,
    clm_unsupported_specificity,
)
PRIOR_AUTH_RULES: tuple[ModuleType, ...] = (pa_unspecified_code, pa_retired_code)
ENCOUNTER_RULES: tuple[ModuleType, ...] = (
    cod_linked_but_unspecified,
    cod_imaging_unlinked,
    cod_m5451_unsupported,
    cod_m5459_unsupported,
    cod_repeat_unspecified,
    cod_carried_forward,
    cod_inconsistent_change,
    cod_contributing_dx_missing,
    cod_sciatica_specificity,
    cod_excludes1_conflict,
    cod_duration_undocumented,
)
ALL_RULES: tuple[ModuleType, ...] = (*CLAIM_RULES, *PRIOR_AUTH_RULES, *ENCOUNTER_RULES, ops_provider_unspecified_share)
BY_ID: dict[str, ModuleType] = {m.RULE_ID: m for m in ALL_RULES}
