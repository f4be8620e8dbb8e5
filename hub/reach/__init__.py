"""传播效果 and 绩效: how far each story went on every channel, and who made it.

Domain rules without I/O: `schedule` (when counts are fetched, time buckets),
`measures` (which counts exist and how a period's growth is worked out), `bots`
(which readers are not people), `scoring` (a center's 绩效 rules as data). With I/O:
`documents`, `collect` (recording points and rollups), `reads` (the app's own read
counts), `queries`, `report`, `export`, `charts`.
"""
