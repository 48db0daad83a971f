"""Fund budget (预算编制) and actuarial projection (精算): pure functions over frozen values."""
