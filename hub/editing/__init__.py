"""编: edit locks, comments and @mentions, 三校 proofreading rounds as tracked changes."""
