"""Fund supervision (基金监管): the rule base as data, its two engines (per-visit check and batch
SQL), statistical and graph detectors, and their evaluation against labelled abuse."""
