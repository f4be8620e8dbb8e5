"""Partner feeds: the stored items of pull feeds (学习强国 …) and, later, their endpoints."""
