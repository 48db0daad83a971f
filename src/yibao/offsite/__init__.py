"""Cross-region care (异地就医): filing, the derivation of a visit's `offsite` value, manual
claims and the clearing between regions (docs/offsite.md)."""
