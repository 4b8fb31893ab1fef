// The documents → SourceState glue both sources share. A source reports what changed (documents
// added, updated or deleted, by origin: see manifest-index.ts); the builder keeps the current
// documents in a ManifestIndex and builds the next SourceState only when a batch changed something.
//
// What a change costs: applying it is in proportion to the change (the ManifestIndex), and so is
// lowering it: the builder keeps a DefinitionsIndex (apis/core/definitions-index.ts) of what the last
// build served, and the next build's lowering looks only at the origins that changed since, giving
// the same state as a lowering of every document. What remains in proportion to the mesh is finding
// those origins (a comparison of references per origin), copying a changed array of the model, and
// a routing family or the merge step when a change reaches them (see definitions-index.ts).
import type { Logger } from '../../log.js';
import type { Issue } from '../../model/issue.js';
import type { MeshConfig } from '../../model/mesh.js';
import { DefinitionsIndex } from '../apis/core/definitions-index.js';
import type { SourceState } from '../source.js';
import { type BuildStateOptions, buildState, nothingServed } from './build-state.js';
import { type ManifestChange, ManifestIndex } from './manifest-index.js';
import { Pacer } from './pacer.js';

export interface StateBuilderOptions {
  readonly logger: Logger;
  readonly clusterDomain?: string;
  /** Trust domain and root namespace; see ParseManifestsOptions.meshConfig. */
  readonly meshConfig?: Partial<MeshConfig>;
  /** The lowering: parseManifests, or in a test something that throws. */
  readonly parse?: BuildStateOptions['parse'];
  /** What an origin is called in issues: a 'file' (default) or an 'object'. */
  readonly unit?: 'file' | 'object';
}

/**
 * What an origin serves instead once its documents made the lowering throw. `again` is set when
 * what it served instead threw as well: the answer must then serve no document.
 */
export type Fallback = (origin: string, issue: Issue, again: boolean) => ManifestChange;

export class StateBuilder {
  private readonly index: ManifestIndex;
  private readonly opts: StateBuilderOptions;
  /**
   * The lowering of what the last build served, kept up to date by each build; it also holds who
   * served each resource in the last build (committed), for duplicates to be settled by age.
   */
  private readonly lowering = new DefinitionsIndex();
  /** Issues about no origin (links not followed, directories that do not read). */
  private notes: readonly Issue[] = [];
  /** The origins changed since the last build; undefined before the first build, when all are new. */
  private suspects: Set<string> | undefined;
  private changed = true;
  private last: SourceState | undefined;

  constructor(opts: StateBuilderOptions) {
    this.opts = opts;
    this.index = new ManifestIndex(opts.logger);
  }

  /** The state of the last build, if any. */
  get state(): SourceState | undefined {
    return this.last;
  }

  /** How many origins are served (or left out for throwing, with their issue). */
  get size(): number {
    return this.index.size;
  }

  /** Applies a batch of changes; true when it changed what is served. */
  apply(changes: readonly ManifestChange[]): boolean {
    const changed = this.index.apply(changes);
    if (this.suspects) for (const origin of changed) this.suspects.add(origin);
    if (changed.size > 0) this.changed = true;
    return changed.size > 0;
  }

  /** Replaces the issues about no origin; true when they differ from the ones held. */
  setNotes(notes: readonly Issue[]): boolean {
    // Few and small: a directory's links and unreadable directories.
    if (JSON.stringify(notes) === JSON.stringify(this.notes)) return false;
    this.notes = notes;
    this.changed = true;
    return true;
  }

  /**
   * Applies the batch and builds the next state, or resolves undefined when the batch changed nothing
   * since the last build.
   */
  async next(changes: readonly ManifestChange[], fallback?: Fallback): Promise<SourceState | undefined> {
    this.apply(changes);
    if (!this.changed && this.last) return undefined;
    return this.build(fallback);
  }

  /**
   * Builds the state of everything held. Only the origins changed since the last build are suspected
   * when the lowering throws; each origin that throws is replaced by what `fallback` gives (by
   * default: nothing, with the issue) and the state is built again. Every round serves fewer
   * documents, so this ends.
   */
  async build(fallback: Fallback = this.serveNothing): Promise<SourceState> {
    const options: BuildStateOptions = {
      logger: this.opts.logger,
      pacer: new Pacer(),
      ...(this.opts.clusterDomain ? { clusterDomain: this.opts.clusterDomain } : {}),
      ...(this.opts.meshConfig ? { meshConfig: this.opts.meshConfig } : {}),
      ...(this.opts.parse ? { parse: this.opts.parse } : {}),
      ...(this.opts.unit ? { unit: this.opts.unit } : {}),
      index: this.lowering,
    };
    const run = (suspects: ReadonlySet<string> | undefined) =>
      buildState(this.index.versions(), this.notes, options, suspects && this.index.versionsOf(suspects));
    let built = await run(this.suspects);
    const fellBack = new Set<string>();
    while (built.threw.size > 0) {
      const changes: ManifestChange[] = [];
      for (const [origin, issue] of built.threw) {
        const again = fellBack.has(origin);
        fellBack.add(origin);
        const change = fallback(origin, issue, again);
        changes.push(
          again && change.type !== 'deleted' && change.documents.length > 0
            ? this.serveNothing(origin, issue, true)
            : change,
        );
      }
      this.index.apply(changes);
      built = await run(new Set(built.threw.keys()));
    }
    // Only now: a round that left out an origin that threw is not what is served.
    this.lowering.commit();
    this.suspects = new Set();
    this.changed = false;
    this.last = built.state;
    return built.state;
  }

  private readonly serveNothing: Fallback = (origin, issue) => ({
    type: 'updated',
    origin,
    documents: [],
    issues: [nothingServed(issue, this.opts.unit)],
  });
}
