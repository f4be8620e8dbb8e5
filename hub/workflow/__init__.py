"""审: review chains (三审), rounds and sign-offs (审稿单, 签发), checks as pluggy hooks
(sensitive words, 转载 sources, proofreading hints), scheduled publishing and embargo,
reviewed takedown and correction. Planning (策、采) is hub/planning. Guide: docs/review.md."""
