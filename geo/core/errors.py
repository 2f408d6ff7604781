"""The project's small exception hierarchy.

Every error a user can cause (a bad config, a bad file, a dead network) is one of these,
so the CLI and the dashboard can show one clear line instead of a traceback.
"""

from __future__ import annotations


class SafetyMapError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(SafetyMapError, ValueError):
    """The configuration file or an override is invalid."""


class DataError(SafetyMapError, ValueError):
    """An input file or frame is missing, corrupt or of the wrong shape."""


class SourceError(SafetyMapError, OSError):
    """A live source (HTTP API, tile server) could not be reached or answered badly."""


class AnalysisError(SafetyMapError, ValueError):
    """An analysis was asked for with arguments it cannot honour."""


class StoreError(DataError):
    """The shared store (a PostGIS server) is unreachable, misconfigured or failed mid-write.

    A :class:`DataError`, so the dashboard's error panels and the CLI's one-line errors show it.
    """
