"""amstui: a keyboard-first terminal monitor for Azure Media Services encoding jobs."""

__version__ = "0.1.0"
