"""Run the rules on one file: extract, check, apply severities and suppressions."""

from __future__ import annotations

import dataclasses

from . import suppress
from .extract import extract
from .model import NO_PROJECT, Finding, Project, Severity
from .registry import Rule, all_rules
from .settings import LintSettings

CRASH_RULE = "ZDM005"


class Linter:
    """The rules active for one set of settings."""

    def __init__(self, settings: LintSettings, project: Project = NO_PROJECT) -> None:
        self.settings = settings
        self.project = project
        registry = all_rules()
        self.known = frozenset(registry)
        self.rules: list[Rule] = [
            r
            for r in registry.values()
            if settings.enabled(r.id)
            and (r.default or settings.named(r.id))
            and r.applies(settings.target)
        ]
        self.active = frozenset(r.id for r in self.rules)
        self.severities = {r.id: settings.severity_of(r.id, r.severity) for r in self.rules}
        self.named = {r.id: settings.named(r.id) for r in self.rules}

    def lint(self, path: str, source: str, *, sql: bool = False) -> list[Finding]:
        """Findings of one revision file (or SQL script), sorted by position.

        Never raises for a file's content: a failure of the linter itself on this
        file becomes one ZDM005 finding that names the reason, and the run goes on.
        """
        try:
            return self._lint(path, source, sql=sql)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
            message = (
                f"the linter failed on this file ({reason}); it was not checked. "
                "Please report this with the file attached"
            )
            return [Finding(path, 1, 1, CRASH_RULE, message, "", Severity.ERROR, (1, 1))]

    def _lint(self, path: str, source: str, *, sql: bool) -> list[Finding]:
        rev = extract(path, source, self.settings.target, sql=sql)
        if not rev.is_revision:
            return []
        rev.project = self.project
        findings: list[Finding] = []
        forward = dataclasses.replace(rev, actions=rev.forward())
        for rule in self.rules:
            severity = self.severities[rule.id]
            named = self.named[rule.id]
            for hit in rule.check(rev if rule.undo else forward, self.settings.target):
                if hit.opt_in and not named:
                    continue
                findings.append(
                    Finding(
                        path, hit.line, hit.col, rule.id, hit.message, hit.help, severity, hit.span
                    )
                )
        comments = suppress.parse(source)
        if comments:
            findings = [
                self._meta(f)
                for f in suppress.apply(path, findings, comments, self.active, self.known)
                if f.rule in self.active
            ]
        return sorted(set(findings), key=Finding.sort_key)

    def _meta(self, finding: Finding) -> Finding:
        if finding.rule not in (suppress.REASONLESS, suppress.UNUSED):
            return finding
        default = all_rules()[finding.rule].severity
        return dataclasses.replace(
            finding, severity=self.settings.severity_of(finding.rule, default)
        )
