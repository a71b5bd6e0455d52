"""The Textual monitor.

Textual reads its frame-rate cap once, when it is first imported (the `TEXTUAL_FPS`
environment variable, 60 by default). The screen's update timer waits paused between
changes; when an update comes late on the timer's beat (the usual case), Textual's timer then
skips to the second period ahead, not the first, so the next change waits one to two periods
(17-33 ms at 60). That was most of the time between a key and the screen at
100,000 jobs under a steady refresh. At 240 the wait is 4-8 ms; a frame is still only drawn
when something changed, so an idle or steady screen costs no more. Measured in-process at
100,000 jobs under the feed (three alternating runs each): key p95 42.6-49.8 ms at 120,
41.8-45.3 ms at 240; through a pty at 1,000 jobs, median 23-26 ms at 120, 17-20 ms at 240.
A `TEXTUAL_FPS` of the user's own is kept (and `--fps` lowers it for slow links).
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "240")
