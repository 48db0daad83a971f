"""The columnar engines of yibao.analytics."""
