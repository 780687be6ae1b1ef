"""The exceptions users see.

Every error is an Alembic :class:`~alembic.util.CommandError`, so the ``alembic``
console script prints it as one ``FAILED: …`` line without a traceback (unless
``--raiseerr`` is given). Each message is one sentence that names the object and
says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic.util import CommandError


class ZdmError(CommandError):
    """Base class of every alembic-zdm error."""


class PhaseTargetError(ZdmError):
    """A ``zdm-phase:…`` target (or ``--phase`` value) that does not name a phase."""


class RevisionShapeError(ZdmError):
    """A revision whose phase functions are malformed."""


class RevisionImportError(RevisionShapeError):
    """A revision file that cannot be imported (syntax error, failing import)."""


class PhaseConflictError(ZdmError):
    """Two pending revisions whose phases would interleave on the same object."""


class RunnerLockError(ZdmError):
    """Another runner holds the single-runner lock of this database."""


class ChecksumMismatchError(ZdmError):
    """A revision file changed after one of its phases ran."""


class PhaseFailedError(ZdmError):
    """A phase raised; it was rolled back and recorded as failed."""


class UnsupportedDialectError(ZdmError):
    """An operation that the connected database cannot run safely."""


class TableCopyRequiredError(UnsupportedDialectError):
    """A change the server can only make by copying the table (MySQL ``ALGORITHM=COPY``).

    :attr:`commands` holds ready ``gh-ost`` and ``pt-online-schema-change`` command lines.
    """

    def __init__(self, message: str, commands: Sequence[str] = ()) -> None:
        self.commands = list(commands)
        super().__init__(message)


class SchemaObjectError(ZdmError):
    """An unknown (or unexpectedly existing) table, column, index or constraint."""


class LockNotAcquiredError(ZdmError):
    """A lock that could not be taken after every retry."""

    def __init__(self, message: str, blockers: Sequence[str] = ()) -> None:
        self.blockers = list(blockers)
        super().__init__(message)


class DataIntegrityError(ZdmError):
    """Existing rows break a constraint being validated or a ``validate_data_integrity`` check."""


class BackfillVerificationError(ZdmError):
    """A backfill whose verification found rows that do not match."""


class ModelsCheckError(ZdmError):
    """The contract phase would drop something the application's models still map."""


class ConfigError(ZdmError):
    """A setting with a value that cannot be used."""


class HealthAbortError(ZdmError):
    """A health check said abort, or kept the run throttled past ``health_max_wait_s``."""


class ContractGateError(ZdmError):
    """A contract step refused: sessions of the previous release are still connected."""
