"""依申请救助 and 防止因病致贫返贫 monitoring (SETTLEMENT.md §6): the rules as pure functions."""
