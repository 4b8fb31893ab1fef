// Collects status conditions per resource and parent; a later condition of the same type replaces
// an earlier one, so the merge step can overrule what a parser could only guess alone.
import type { Condition, Origin, ResourceStatus, ServiceRef } from './routing.js';

type Parent = ResourceStatus['parent'];

const keyOf = (origin: Origin, parent: Parent): string =>
  [
    origin.kind,
    origin.namespace,
    origin.name,
    parent?.service.namespace ?? '',
    parent?.service.name ?? '',
    parent?.port ?? '',
  ].join('\u0000');

export class StatusBook {
  private readonly entries = new Map<
    string,
    { resource: Origin; parent: Parent; conditions: Map<string, Condition> }
  >();

  set(origin: Origin, parent: Parent, condition: Condition): void {
    this.entry(origin, parent).conditions.set(condition.type, condition);
  }

  /** Sets the condition only when the resource has none of that type yet. */
  setDefault(origin: Origin, parent: Parent, condition: Condition): void {
    const entry = this.entry(origin, parent);
    if (!entry.conditions.has(condition.type)) entry.conditions.set(condition.type, condition);
  }

  add(statuses: readonly ResourceStatus[]): void {
    for (const status of statuses)
      for (const c of status.conditions) this.set(status.resource, status.parent, c);
  }

  list(): ResourceStatus[] {
    return [...this.entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, e]) => ({
        resource: e.resource,
        ...(e.parent ? { parent: e.parent } : {}),
        conditions: [...e.conditions.values()].sort((a, b) =>
          a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
        ),
      }));
  }

  private entry(origin: Origin, parent: Parent) {
    const key = keyOf(origin, parent);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { resource: origin, parent, conditions: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

export const parentOf = (service: ServiceRef, port: number | undefined): Parent => ({
  service,
  ...(port !== undefined ? { port } : {}),
});
