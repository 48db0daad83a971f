"""门诊慢特病 (outpatient chronic and special diseases): certification (认定) of a person for a
disease of the insured region's `[opsp]` list (docs/benefits.md, "门诊慢特病认定")."""
