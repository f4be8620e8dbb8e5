"""Distribution (多元传播): publications per channel, their states, ledger and delivery."""
