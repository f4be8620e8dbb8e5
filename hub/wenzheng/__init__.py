"""问政 / 投诉信箱: citizens' questions, screened by the center, answered by departments
on time, reviewed and published as Q&A items (docs/wenzheng.md)."""
