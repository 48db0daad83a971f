"""The batch pipelines of yibao.jobs (the year job)."""
