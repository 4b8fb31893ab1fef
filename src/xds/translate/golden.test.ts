// Golden files: testdata/<case>/in.yaml (Kubernetes manifests, plus an optional TestProxy document
// choosing the proxy, plus optional TestRouting documents) → testdata/<case>/out.yaml (the proxy's
// config dump). The proxy's resources come from ProxyCompiler.compile, the assembly path the
// server and `trellis config-dump` go through: visibility (the namespace's
// `trellis.dev/visible-namespaces`, else the TestProxy's `defaultVisibility`, as serve's
// --default-visible-namespaces), parts, the strict encoder and Envoy's validate rules, which every
// resource must pass, and references only to what is sent. A TestRouting document
// (`routing: <Routing as YAML>`) adds its route tables, backend policies and rate limits to the
// parsed mesh as they are, after the merge step: translation goldens that do not depend on any
// routing API's parser.
// Regenerate with `npm run golden -- --update` and review the diff like code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatIssue } from '../../model/issue.js';
import type { Mesh } from '../../model/mesh.js';
import { type NodeInfo, proxyFromNode } from '../../model/proxy.js';
import type { Routing } from '../../model/routing.js';
import { ALL_NAMESPACES, parseVisibleNamespaces, type Visibility } from '../../model/visibility.js';
import { parseManifests } from '../../sources/apis/core/parse-manifests.js';
import type { ManifestDocument } from '../../sources/apis/manifest.js';
import { parseManifestText } from '../../sources/files/yaml-documents.js';
import { ProxyCompiler, translatedResources } from '../compile-proxy.js';
import { formatFieldError } from '../envoy/field-error.js';
import { toConfigDump } from './config-dump.js';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env.TRELLIS_GOLDEN_UPDATE === '1';
const DEFAULT_NODE_ID = 'sidecar~10.0.0.9~client-0.default~default.svc.cluster.local';

const folders = fs
  .readdirSync(TESTDATA, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const cases = folders.filter((name) => fs.existsSync(path.join(TESTDATA, name, 'in.yaml')));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const list = <T>(value: unknown): readonly T[] => (Array.isArray(value) ? (value as T[]) : []);

/** A TestRouting document's routing, trusted as written (it is test input, not user input). */
function testRouting(value: Record<string, unknown>): Routing {
  const routing = isRecord(value.routing) ? value.routing : {};
  return {
    routeTables: list(routing.routeTables),
    backendPolicies: list(routing.backendPolicies),
    rateLimits: list(routing.rateLimits),
  };
}

function withRouting(mesh: Mesh, extra: readonly Routing[]): Mesh {
  if (extra.length === 0) return mesh;
  const all = [mesh.routing, ...extra];
  return {
    ...mesh,
    routing: {
      routeTables: all.flatMap((r) => r.routeTables),
      backendPolicies: all.flatMap((r) => r.backendPolicies),
      rateLimits: all.flatMap((r) => r.rateLimits),
    },
  };
}

/**
 * The TestProxy document, if any, chooses the proxy and what it sees where its namespace says
 * nothing (`defaultVisibility: "ns1,ns2"`, `"*"` or `""`, as serve's --default-visible-namespaces;
 * default all); TestRouting documents add routing; neither is a manifest.
 */
function splitTestDocuments(documents: readonly ManifestDocument[]): {
  node: NodeInfo;
  defaultVisibility: Visibility;
  routing: Routing[];
  manifests: ManifestDocument[];
} {
  let node: NodeInfo = { id: DEFAULT_NODE_ID };
  let defaultVisibility = ALL_NAMESPACES;
  const routing: Routing[] = [];
  const manifests: ManifestDocument[] = [];
  for (const doc of documents) {
    const v = doc.value;
    if (isRecord(v) && v.apiVersion === 'trellis.dev/test' && v.kind === 'TestRouting') {
      routing.push(testRouting(v));
    } else if (isRecord(v) && v.apiVersion === 'trellis.dev/test' && v.kind === 'TestProxy') {
      node = {
        id: typeof v.nodeId === 'string' ? v.nodeId : DEFAULT_NODE_ID,
        ...(typeof v.userAgent === 'string' ? { userAgentName: v.userAgent } : {}),
        // The client's profile: which form of some fields it reads (client-dialect.ts).
        ...(typeof v.userAgentVersion === 'string' ? { userAgentVersion: v.userAgentVersion } : {}),
        ...(isRecord(v.metadata) ? { metadata: v.metadata } : {}),
        // node.locality (region, zone, subZone), for locality failover goldens.
        ...(isRecord(v.locality) ? { locality: v.locality as NodeInfo['locality'] } : {}),
      };
      if (typeof v.defaultVisibility === 'string')
        defaultVisibility = parseVisibleNamespaces(v.defaultVisibility);
    } else {
      manifests.push(doc);
    }
  }
  return { node, defaultVisibility, routing, manifests };
}

function run(name: string) {
  const text = fs.readFileSync(path.join(TESTDATA, name, 'in.yaml'), 'utf8');
  const file = parseManifestText(`${name}/in.yaml`, text);
  const { node, defaultVisibility, routing, manifests } = splitTestDocuments(file.documents);
  const state = parseManifests(manifests);
  const all = [...file.issues, ...state.issues];
  const issues = all.map((i) => `${i.severity}: ${formatIssue(i)}`);
  const errors = all.filter((i) => i.severity === 'error').length;
  const compiler = new ProxyCompiler(undefined, { defaultVisibility });
  const compiled = compiler.compile(withRouting(state.mesh, routing), proxyFromNode(node));
  return { issues, errors, statuses: state.statuses, compiled };
}

describe('golden translation', () => {
  it('has cases, and no out.yaml without its in.yaml', () => {
    expect(cases.length).toBeGreaterThan(0);
    const orphans = folders.filter(
      (f) => !cases.includes(f) && fs.existsSync(path.join(TESTDATA, f, 'out.yaml')),
    );
    expect(orphans, 'run `npm run golden -- --update` to delete orphaned goldens').toEqual([]);
  });

  describe.each(cases)('%s', (name) => {
    const { issues, errors, statuses, compiled } = run(name);
    const expectsErrors = name.endsWith('-invalid') || name.includes('expect-issues');

    it(expectsErrors ? 'reports errors in its input' : 'parses without errors', () => {
      if (expectsErrors) expect(errors).toBeGreaterThan(0);
      else expect(issues.filter((i) => i.startsWith('error:'))).toEqual([]);
    });

    it('matches out.yaml', () => {
      // Issues (warnings for unsupported fields included) and status conditions are part of the
      // golden: what users are told is as much the output as what proxies receive.
      const dump = {
        ...(issues.length > 0 ? { issues } : {}),
        ...(statuses.length > 0 ? { statuses } : {}),
        ...toConfigDump(translatedResources(compiled)),
      };
      const actual = stringify(dump, { lineWidth: 0, aliasDuplicateObjects: false });
      const outFile = path.join(TESTDATA, name, 'out.yaml');
      if (UPDATE) {
        fs.writeFileSync(outFile, actual);
        return;
      }
      expect(fs.existsSync(outFile), `${outFile} is missing: run \`npm run golden -- --update\``).toBe(true);
      expect(actual).toBe(fs.readFileSync(outFile, 'utf8'));
    });

    it('passes the strict encoder and the validate rules', () => {
      const failures = compiled.errors.map((e) => `${e.name}: ${e.errors.map(formatFieldError).join('; ')}`);
      expect(failures).toEqual([]);
    });

    it('names only resources it sends', () => {
      expect(compiled.danglingReferences).toEqual([]);
    });

    it('is byte-identical when translated again', () => {
      const again = run(name).compiled.resources;
      const bytes = (resources: typeof again) =>
        resources.map((r) => `${r.typeUrl} ${r.name} ${Buffer.from(r.value).toString('base64')}`);
      expect(bytes(again)).toEqual(bytes(compiled.resources));
      expect(JSON.stringify(again.map((r) => r.json))).toBe(
        JSON.stringify(compiled.resources.map((r) => r.json)),
      );
    });
  });
});
