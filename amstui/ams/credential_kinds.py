"""The kinds of credential an account can name (config, flags, `make_credential`): one list,
importable without azure-identity or httpx so that argument parsing stays fast."""

from __future__ import annotations

CREDENTIAL_KINDS = (
    "default",
    "cli",
    "environment",
    "managed-identity",
    "device-code",
    "none",
    # Not Azure AD (service_credentials.py): a pre-issued bearer, and Ravnur RMS's API key.
    "token",
    "rms-api-key",
)
