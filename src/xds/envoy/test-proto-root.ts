// Loads the test-only protos in testdata/ (our own, not Envoy's) beside the Envoy include dirs, so
// tests can exercise rules and JSON forms that no Envoy resource happens to use.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { envoyIncludeDirs } from './proto-root.js';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

let cached: protobuf.Root | undefined;

export function testProtoRoot(): protobuf.Root {
  if (cached) return cached;
  const dirs = [TESTDATA, ...envoyIncludeDirs()];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(['pgv-cases.proto', 'json-cases.proto'], { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

export function testType(fullName: string): protobuf.Type {
  return testProtoRoot().lookupType(fullName);
}
