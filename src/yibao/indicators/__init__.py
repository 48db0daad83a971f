"""The plans' indicator table (主要指标) computed from data, and the year report's rendering."""
