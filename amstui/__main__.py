"""`python -m amstui`."""

from amstui.cli import main

raise SystemExit(main())
