// Logs manifest issues as they come and go, so a long-running server says each problem once (at
// warn) and says when it is fixed (at info), instead of repeating every issue on every reload.
import type { Logger } from '../../log.js';
import { formatIssue, type Issue } from '../../model/issue.js';

export class IssueLog {
  private current = new Map<string, Issue>();

  constructor(private readonly logger: Logger) {}

  update(issues: readonly Issue[]): void {
    const next = new Map<string, Issue>();
    for (const issue of issues) next.set(keyOf(issue), issue);
    for (const [key, issue] of next) {
      if (!this.current.has(key))
        this.logger.warn(fields(issue), `manifest ${issue.severity}: ${formatIssue(issue)}`);
    }
    for (const [key, issue] of this.current) {
      if (!next.has(key))
        this.logger.info(fields(issue), `manifest ${issue.severity} cleared: ${formatIssue(issue)}`);
    }
    this.current = next;
  }
}

function keyOf(issue: Issue): string {
  return `${issue.severity}\u0000${issue.reason}\u0000${formatIssue(issue)}`;
}

function fields(issue: Issue): Record<string, unknown> {
  return {
    origin: issue.origin,
    ...(issue.documentIndex !== undefined ? { documentIndex: issue.documentIndex } : {}),
    ...(issue.fieldPath ? { fieldPath: issue.fieldPath } : {}),
    reason: issue.reason,
  };
}
