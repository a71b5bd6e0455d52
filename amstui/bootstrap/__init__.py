"""The composition root of the command line: what every entry point starts with.

`logfile` (where logs go), `connect` (settings to a backend: an account's client or the demo
emulator), `session` (flags, variables and config file to a connection; AMS errors to exit
codes), `launch` (the monitor), and the command line's one error type (`errors`) and exit
codes (`exit_codes`). Only this package and `amstui.cli`/`amstui.commands` wire layers
together; the layers below never import it.
"""
