"""Scores for providers: robust peer z-scores (median/MAD of a reference year's peers), an
unsupervised anomaly score that names its top features, and a logistic scorer fitted on a
labelled reference year (ADBench: a few labels beat unsupervised, facts/audit.md §2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.supervise.detect.features import FEATURE_ZH, FEATURES

F64 = npt.NDArray[np.float64]
Z_CAP: Final = 10.0
MIN_PEERS: Final = 5


@dataclass(frozen=True, slots=True)
class PeerBaseline:
    """Median and MAD of each feature per peer group, and over all providers."""

    groups: dict[str, tuple[F64, F64]]
    overall: tuple[F64, F64]


def _center(x: F64) -> tuple[F64, F64]:
    med = np.median(x, axis=0)
    mad = np.median(np.abs(x - med), axis=0) * 1.4826
    spread = np.maximum(mad, np.maximum(np.std(x, axis=0), 1e-3))
    return med, np.where(mad > 1e-9, mad, spread)


def _matrix(frame: pl.DataFrame) -> F64:
    return frame.select(FEATURES).to_numpy().astype(np.float64)


def fit_peers(train: pl.DataFrame) -> PeerBaseline:
    x = _matrix(train)
    peer = train["peer"].to_numpy()
    groups = {str(g): _center(x[peer == g]) for g in np.unique(peer)
              if (peer == g).sum() >= MIN_PEERS}
    return PeerBaseline(groups, _center(x))


def peer_z(base: PeerBaseline, frame: pl.DataFrame) -> F64:
    x = _matrix(frame)
    z = np.empty_like(x)
    for i, g in enumerate(frame["peer"].to_list()):
        med, mad = base.groups.get(g, base.overall)
        z[i] = (x[i] - med) / mad
    return np.clip(z, -Z_CAP, Z_CAP)


def anomaly_score(z: F64) -> F64:
    """Mean of the positive peer z-scores (a provider is odd when it is high on several)."""
    return np.clip(z, 0, None).mean(axis=1)


def explain(frame: pl.DataFrame, z: F64, top: int = 3) -> list[str]:
    """zh-CN: for each provider, its highest features with z against its peer group."""
    out = []
    peers = frame["peer"].to_list()
    for i, row in enumerate(z):
        idx = np.argsort(-row)[:top]
        parts = [f"{FEATURE_ZH[FEATURES[j]]} z={row[j]:+.1f}" for j in idx if row[j] > 0]
        out.append(f"同级同类机构（{peers[i]}）比较：" + ("；".join(parts) or "无明显偏离"))
    return out


@dataclass(frozen=True, slots=True)
class Logistic:
    weights: F64
    bias: float


def fit_logistic(z: F64, label: npt.NDArray[np.bool_], l2: float = 1.0,
                 steps: int = 2_000, rate: float = 0.1) -> Logistic:
    """L2-regularised logistic regression by gradient descent, classes weighted to balance."""
    y = label.astype(np.float64)
    pos = max(y.sum(), 1.0)
    weight = np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * max(len(y) - pos, 1.0)))
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = weight * (p - y)
        w -= rate * (z.T @ g / len(y) + l2 * w / len(y))
        b -= rate * float(g.mean())
    return Logistic(w, b)


def logistic_score(model: Logistic, z: F64) -> F64:
    return 1 / (1 + np.exp(-(z @ model.weights + model.bias)))
