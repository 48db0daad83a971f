"""Detectors beyond rules: provider features against peers, an explained anomaly score, a
patient–doctor–institution graph feature for rings, and a small fitted scorer."""
