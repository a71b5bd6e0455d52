"""The headless commands (`jobs`, `show`, `wait`, `cancel`, `info`, `login`): one module each."""
