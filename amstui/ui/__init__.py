"""The Textual monitor.

Textual reads its frame-rate cap once, when it is first imported (the `TEXTUAL_FPS`
environment variable, 60 by default). At 60 a change waits up to two frame periods (33 ms)
for the next screen update after the one before it, which was most of the time between a key
and the screen at 100,000 jobs under a steady refresh. 120 halves that; a frame is still only
drawn when something changed. A `TEXTUAL_FPS` of the user's own is kept.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
