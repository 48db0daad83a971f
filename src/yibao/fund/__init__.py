"""Fund ledger (基金账务): chart of accounts, balanced posting sets and ledger checks, all pure."""
