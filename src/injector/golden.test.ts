// Golden cases of injection: `testdata/<case>/in.yaml` → `out.yaml`, regenerated with
// `npm run golden -- --update` and reviewed as diffs.
//
// An in.yaml holds an AdmissionReview (answered by the webhook's own answerAdmissionReview with the
// real injection, namespace labels from the Namespace documents beside it), or workload manifests
// (run through `trellis inject`'s injectManifests). An optional `TestInjection` document
// (`apiVersion: trellis.dev/test`) sets `nativeSidecars` and `dualStack`. out.yaml is the answer
// (uid, allowed, warnings) and the pod after applying the patch with fast-json-patch, or the
// injected manifests with their notes. The bootstrap inside Envoy's args is shown as a placeholder:
// its own goldens are testdata/bootstrap/.
import fs from 'node:fs';
import path from 'node:path';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { answerAdmissionReview, type PodMutator } from './admission-review.js';
import { injectManifests } from './inject-manifests.js';
import { injectionParts } from './injection-parts.js';
import { type InjectorConfig, injectPod } from './pod-patch.js';
import { readPod } from './pod-view.js';
import { DEFAULT_PROXY_RESOURCES } from './proxy-resources.js';

const UPDATE = process.env.TRELLIS_GOLDEN_UPDATE === '1';
const testdata = path.join(import.meta.dirname, 'testdata/injection');

type Doc = Record<string, unknown> & { kind?: string; apiVersion?: string };

function caseOf(name: string): string {
  const docs = parseAllDocuments(fs.readFileSync(path.join(testdata, name, 'in.yaml'), 'utf8')).map(
    (d) => d.toJS() as Doc,
  );
  const options = docs.find((d) => d.apiVersion === 'trellis.dev/test' && d.kind === 'TestInjection') ?? {};
  const config: InjectorConfig = {
    proxyImage: 'envoyproxy/envoy:v1.31.2',
    initImage: 'ghcr.io/trellis-mesh/proxy-init:0.1.0',
    trellisImage: 'ghcr.io/trellis-mesh/trellis:0.1.0',
    resources: DEFAULT_PROXY_RESOURCES,
    nativeSidecars: options.nativeSidecars !== false,
    version: '0.1.0',
  };
  const parts = injectionParts({
    controlPlane: { namespace: 'trellis-system' },
    trellisVersion: '0.1.0',
    dualStack: options.dualStack === true,
  });
  const review = docs.find((d) => d.kind === 'AdmissionReview');
  if (!review) {
    const manifests = docs.filter((d) => d.apiVersion !== 'trellis.dev/test');
    const report = injectManifests(manifests.map((d) => stringify(d)).join('---\n'), config, parts);
    return stringify({
      notes: report.notes,
      manifests: parseAllDocuments(report.output).map((d) => placeholders(d.toJS())),
    });
  }
  const labels = new Map(
    docs
      .filter((d) => d.kind === 'Namespace')
      .map((d) => {
        const metadata = d.metadata as { name: string; labels?: Record<string, string> };
        return [metadata.name, metadata.labels ?? {}] as const;
      }),
  );
  const warnings: string[] = [];
  const mutator: PodMutator = {
    mutate: ({ pod, namespace }) => {
      const view = readPod(pod, namespace);
      if (!view.ok) return view;
      const outcome = injectPod(view.value, labels.get(namespace), config, parts);
      if (!outcome.ok) return outcome;
      if (!outcome.value.injected) {
        warnings.push(`not injected: ${outcome.value.reason}`);
        return { ok: true, value: [] };
      }
      return { ok: true, value: { patch: outcome.value.patch, warnings: outcome.value.warnings } };
    },
  };
  const answer = answerAdmissionReview(JSON.stringify(review), mutator);
  if (answer.status !== 200) return stringify({ status: answer.status, message: answer.message });
  const response = answer.review.response;
  const pod = (review.request as { object: unknown }).object;
  const patched = response.patch
    ? jsonpatch.applyPatch(
        structuredClone(pod),
        JSON.parse(Buffer.from(response.patch, 'base64').toString()) as jsonpatch.Operation[],
        true,
        false,
      ).newDocument
    : pod;
  return stringify({
    response: { uid: response.uid, allowed: response.allowed, patchType: response.patchType ?? null },
    injector: warnings,
    ...(response.warnings ? { warnings: response.warnings } : {}),
    pod: placeholders(patched),
  });
}

/** The bootstrap JSON in Envoy's args, as a placeholder with its size. */
function placeholders(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) =>
      typeof v === 'string' && value[i - 1] === '--config-yaml'
        ? `<bootstrap: ${v.length} characters>`
        : placeholders(v),
    );
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)]));
  return value;
}

const cases = fs.readdirSync(testdata).filter((c) => fs.existsSync(path.join(testdata, c, 'in.yaml')));

describe('injection goldens', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(10));

  it.each(cases)('%s', (name) => {
    const out = caseOf(name);
    const file = path.join(testdata, name, 'out.yaml');
    if (UPDATE) fs.writeFileSync(file, out);
    expect(fs.existsSync(file), `${file} is missing: run \`npm run golden -- --update\``).toBe(true);
    expect(out).toBe(fs.readFileSync(file, 'utf8'));
  });
});
