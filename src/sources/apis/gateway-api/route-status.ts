// The Gateway API status conditions a route gets for each Service it attaches to, as far as the
// parser can decide them alone: Accepted, PartiallyInvalid and ResolvedRefs. The merge step adds
// what needs the whole mesh (BackendNotFound for a Service that does not exist).
import type { Condition } from '../../../model/routing.js';
import type { RefProblem } from './backend-refs.js';

export interface RouteOutcome {
  readonly ruleCount: number;
  /** Rules that cannot be served as written; `answered` when some of their matches answer failStatus. */
  readonly invalidRules: readonly {
    readonly index: number;
    readonly why: string;
    readonly answered: boolean;
  }[];
  readonly problems: readonly RefProblem[];
  readonly failStatus: number;
}

const MAX_LISTED = 3;

/** Conditions for a route that was attached: some of its rules may still be unusable. */
export function attachedConditions(outcome: RouteOutcome, parent: string): Condition[] {
  const { invalidRules, problems, failStatus } = outcome;
  const conditions: Condition[] = [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message: `attached to ${parent}` },
  ];
  if (invalidRules.length > 0) {
    // The spec's wording for this condition must start with "Dropped Rule".
    const indexes = invalidRules.map((r) => r.index).join(', ');
    const answered = invalidRules.filter((r) => r.answered).map((r) => r.index);
    const effect =
      answered.length > 0
        ? `requests matching rule(s) ${answered.join(', ')} are answered ${failStatus} instead of being forwarded`
        : 'they route nothing';
    conditions.push({
      type: 'PartiallyInvalid',
      status: 'True',
      reason: 'UnsupportedValue',
      message: `Dropped Rule(s) ${indexes}: ${effect}. ${listed(invalidRules.map((r) => r.why))}`,
    });
  }
  conditions.push(
    problems.length === 0
      ? {
          type: 'ResolvedRefs',
          status: 'True',
          reason: 'ResolvedRefs',
          message: 'every reference is resolved',
        }
      : {
          type: 'ResolvedRefs',
          status: 'False',
          reason: (problems[0] as RefProblem).reason,
          message: listed(problems.map((p) => p.message)),
        },
  );
  return conditions;
}

/** Conditions for a route (or one parentRef of it) that is not attached at all. */
export function rejectedConditions(message: string): Condition[] {
  return [{ type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message }];
}

export function listed(messages: readonly string[]): string {
  const shown = messages.slice(0, MAX_LISTED).join('; ');
  const more = messages.length - MAX_LISTED;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}
