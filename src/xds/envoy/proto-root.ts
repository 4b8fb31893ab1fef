// Loads Envoy's v3 protos once, from the copy @grpc/grpc-js-xds ships in its deps/ tree.
// Nothing is copied into this repository: the protos are whatever version that package pins.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

interface ProtoList {
  readonly includeDirs: readonly string[];
  readonly roots: readonly string[];
}

const require = createRequire(import.meta.url);

function depsDir(): string {
  return path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
}

function protoList(): ProtoList {
  // protos.json sits beside this file in src/; from dist/ it is read from the source tree's copy.
  const here = path.dirname(new URL(import.meta.url).pathname);
  const candidates = [
    path.join(here, 'protos.json'),
    path.resolve(here, '../../../../src/xds/envoy/protos.json'),
  ];
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw new Error(`protos.json not found next to ${here}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ProtoList;
}

/** Include dirs in the order protoc would search them; protobufjs's own copy of descriptor.proto last. */
export function envoyIncludeDirs(): string[] {
  const deps = depsDir();
  return [
    ...protoList().includeDirs.map((d) => path.join(deps, d)),
    path.dirname(require.resolve('protobufjs/package.json')),
  ];
}

let cached: protobuf.Root | undefined;

/** The resolved protobufjs Root holding every Envoy message Trellis builds or receives (field names as in the .proto). */
export function envoyRoot(): protobuf.Root {
  if (cached) return cached;
  const includeDirs = envoyIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync([...protoList().roots], { keepCase: true, alternateCommentMode: false });
  root.resolveAll();
  cached = root;
  return root;
}

/** Looks up a message type by full name (no leading dot); throws for a name we never loaded, which is a bug. */
export function envoyType(fullName: string): protobuf.Type {
  return envoyRoot().lookupType(fullName);
}
