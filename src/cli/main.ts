#!/usr/bin/env node
// The `trellis` command line.
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { formatHostPort, parseHostPort } from '../address.js';
import { credentialCommand } from '../injector/credential-command.js';
import { createLogger, type LogLevel } from '../log.js';
import { DEFAULT_MEMORY_RETURN, growHeapForBursts, MemoryReturner } from '../memory-return.js';
import type { Result } from '../model/result.js';
import { parseVisibleNamespaces } from '../model/visibility.js';
import { MANIFEST_FLAGS, manifestFlagsUsage, readManifestFlags } from '../sources/files/manifest-flags.js';
import { readXdsServerFlags, XDS_SERVER_FLAGS, xdsServerUsage } from '../xds/server/server-flags.js';
import { parseByteSize, parseDurationMs } from '../xds/tuning-flags.js';
import { CLUSTER_FLAGS, clusterUsage, readClusterFlags } from './cluster-flags.js';
import { configDumpCommand } from './config-dump.js';
import { IDENTITY_FLAGS, identityUsage, readIdentityFlags } from './identity-flags.js';
import { injectCommand } from './inject.js';
import { INJECTOR_FLAGS, injectorUsage, readInjectorFlags } from './injector-flags.js';
import { ROOT_NAMESPACE_FLAG, readMeshConfigFlags, TRUST_DOMAIN_FLAG } from './mesh-config-flags.js';
import { adminBaseUrl, proxyStatusCommand } from './proxy-status.js';
import { startServer } from './serve.js';
import { validateCommand } from './validate.js';

const USAGE = `usage:
  trellis serve --manifests DIR | --kube [--xds-address HOST:PORT] [--admin-address HOST:PORT] [--log-level LEVEL] [--cluster-domain D]
                [--root-namespace trellis-system]
                [--debounce-quiet 100ms] [--debounce-max 1s] [--encode-cache-bytes 64Mi]
                [--default-visible-namespaces NS,NS|*]
${manifestFlagsUsage('                ')}
${xdsServerUsage('                ')}
${identityUsage('                ')}
${injectorUsage('                ')}
${clusterUsage('                ')}
  trellis validate DIR [--trust-domain cluster.local] [--root-namespace trellis-system]
${manifestFlagsUsage('                   ')}
  trellis config-dump --manifests DIR --node NODE_ID [--proxyless] [--user-agent NAME] [--user-agent-version V]
                      [--default-visible-namespaces NS,NS|*]
                      [--trust-domain cluster.local] [--root-namespace trellis-system]
  trellis proxy-status [--admin-address HOST:PORT]
  trellis inject -f FILE|- [--native-sidecars true|false] [--proxy-image IMAGE] [--proxy-init-image IMAGE] [--trellis-image IMAGE]
  trellis credential --address HOST:PORT --server-name NAME --token-file F --ca-root-file F --out-dir DIR [--once]

serve         serve the manifests in DIR over xDS (default xDS 127.0.0.1:15010, admin 127.0.0.1:15014)
validate      print every error in DIR with file, document, resource and field; exit 1 if any
config-dump   print, as YAML, the resources the proxy NODE_ID would receive; --user-agent and
              --user-agent-version stand for the node's fields of those names, which decide the
              client's profile (e.g. --user-agent 'gRPC C-core linux Python' --user-agent-version 1.51.1)
inject        print the manifests of FILE with a sidecar injected into every pod template, as the
              webhook would; what is left alone, and why, goes to stderr
credential    (in a pod, next to Envoy) keep the sidecar's certificate for its xDS connection fresh
proxy-status  print every proxy connected to a running server (default admin 127.0.0.1:15014) and,
              per type, SYNCED, NOT SENT, STALE (sent, not ACKed) or NACKED (with the error)

HOST:PORT     also :PORT (127.0.0.1, this machine only) or [IPv6]:PORT; proxy-status takes an http:// URL too
`;

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

class UsageError extends Error {}

function flagValue<T>(flag: string, result: Result<T, string>): T {
  if (!result.ok) throw new UsageError(`--${flag}: ${result.errors.join('; ')}`);
  return result.value;
}

/** An address flag, checked (address.ts) and written back the one way both servers read. */
function addressFlag(flag: string, text: string): string {
  return formatHostPort(flagValue(flag, parseHostPort(text)));
}

async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      manifests: { type: 'string' },
      kube: { type: 'boolean', default: false },
      'xds-address': { type: 'string', default: '127.0.0.1:15010' },
      'admin-address': { type: 'string', default: '127.0.0.1:15014' },
      'log-level': { type: 'string', default: 'info' },
      'cluster-domain': { type: 'string' },
      ...ROOT_NAMESPACE_FLAG,
      'debounce-quiet': { type: 'string', default: '100ms' },
      'debounce-max': { type: 'string', default: '1s' },
      'encode-cache-bytes': { type: 'string', default: '64Mi' },
      'default-visible-namespaces': { type: 'string', default: '*' },
      ...MANIFEST_FLAGS,
      ...XDS_SERVER_FLAGS,
      ...IDENTITY_FLAGS,
      ...INJECTOR_FLAGS,
      ...CLUSTER_FLAGS,
    },
  });
  if (!values.manifests === !values.kube)
    throw new UsageError(
      'serve: exactly one of --manifests DIR and --kube (the cluster of --kubeconfig, KUBECONFIG or the pod)',
    );
  const cluster = readClusterFlags(values);
  if (!cluster.ok) throw new UsageError(cluster.errors.join('; '));
  const identity = readIdentityFlags(values);
  if (!identity.ok) throw new UsageError(identity.errors.join('; '));
  const injector = readInjectorFlags(values, values['cluster-domain']);
  if (!injector.ok) throw new UsageError(injector.errors.join('; '));
  const meshConfig = readMeshConfigFlags({ 'root-namespace': values['root-namespace'] });
  if (!meshConfig.ok) throw new UsageError(meshConfig.errors.join('; '));
  const xdsAddress = addressFlag('xds-address', values['xds-address']);
  const adminAddress = addressFlag('admin-address', values['admin-address']);
  const debounceQuietMs = flagValue('debounce-quiet', parseDurationMs(values['debounce-quiet']));
  const debounceMaxMs = flagValue('debounce-max', parseDurationMs(values['debounce-max']));
  const encodeCacheBytes = flagValue('encode-cache-bytes', parseByteSize(values['encode-cache-bytes']));
  const manifestFlags = readManifestFlags(values);
  if (!manifestFlags.ok) throw new UsageError(manifestFlags.errors.join('; '));
  const xdsLimits = readXdsServerFlags(values);
  if (!xdsLimits.ok) throw new UsageError(xdsLimits.errors.join('; '));
  const level = values['log-level'] as LogLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const logger = createLogger(level);
  const kube = values.kube ? await kubeConfig(values.kubeconfig) : undefined;
  const server = await startServer({
    manifests: values.manifests ?? '',
    ...(kube ? { kube, cluster: cluster.value } : {}),
    xdsAddress,
    adminAddress,
    ...(values['cluster-domain'] ? { clusterDomain: values['cluster-domain'] } : {}),
    ...(meshConfig.value.rootNamespace ? { rootNamespace: meshConfig.value.rootNamespace } : {}),
    logger,
    debounceQuietMs,
    debounceMaxMs,
    encodeCacheBytes,
    defaultVisibility: parseVisibleNamespaces(values['default-visible-namespaces']),
    ...manifestFlags.value,
    xdsLimits: xdsLimits.value,
    identity: identity.value,
    injector: injector.value,
  });
  // One per process, so here and not in startServer (tests run several servers in one process).
  const memory = new MemoryReturner(DEFAULT_MEMORY_RETURN, {
    beforeFirstCollection: growHeapForBursts,
  }).start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      memory.stop();
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'validate': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...MANIFEST_FLAGS, ...TRUST_DOMAIN_FLAG, ...ROOT_NAMESPACE_FLAG },
      });
      if (positionals.length !== 1) throw new UsageError('validate takes exactly one directory');
      const manifestFlags = readManifestFlags(values);
      if (!manifestFlags.ok) throw new UsageError(manifestFlags.errors.join('; '));
      const meshConfig = readMeshConfigFlags(values);
      if (!meshConfig.ok) throw new UsageError(meshConfig.errors.join('; '));
      return validateCommand(positionals[0]!, process.stdout, {
        ...manifestFlags.value,
        meshConfig: meshConfig.value,
      });
    }
    case 'config-dump': {
      const { values } = parseArgs({
        args: rest,
        options: {
          manifests: { type: 'string' },
          node: { type: 'string' },
          proxyless: { type: 'boolean', default: false },
          'user-agent': { type: 'string' },
          'user-agent-version': { type: 'string' },
          'cluster-domain': { type: 'string' },
          // The same default as serve's, so the dump is what serve sends.
          'default-visible-namespaces': { type: 'string', default: '*' },
          ...TRUST_DOMAIN_FLAG,
          ...ROOT_NAMESPACE_FLAG,
          ...MANIFEST_FLAGS,
        },
      });
      if (!values.manifests || !values.node)
        throw new UsageError('config-dump needs --manifests DIR and --node NODE_ID');
      // Read the directory as `serve` would with the same flags, or it dumps what serve does not send.
      const manifestFlags = readManifestFlags(values);
      if (!manifestFlags.ok) throw new UsageError(manifestFlags.errors.join('; '));
      const meshConfig = readMeshConfigFlags(values);
      if (!meshConfig.ok) throw new UsageError(meshConfig.errors.join('; '));
      return configDumpCommand(
        {
          ...manifestFlags.value,
          meshConfig: meshConfig.value,
          manifests: values.manifests,
          node: values.node,
          proxyless: values.proxyless,
          ...(values['user-agent'] ? { userAgentName: values['user-agent'] } : {}),
          ...(values['user-agent-version'] ? { userAgentVersion: values['user-agent-version'] } : {}),
          ...(values['cluster-domain'] ? { clusterDomain: values['cluster-domain'] } : {}),
          defaultVisibility: parseVisibleNamespaces(values['default-visible-namespaces']),
        },
        process.stdout,
        process.stderr,
      );
    }
    case 'inject': {
      const { values } = parseArgs({
        args: rest,
        options: {
          file: { type: 'string', short: 'f' },
          'cluster-domain': { type: 'string' },
          ...INJECTOR_FLAGS,
        },
      });
      if (!values.file) throw new UsageError('inject needs -f FILE (or -f - for standard input)');
      const injector = readInjectorFlags(values, values['cluster-domain']);
      if (!injector.ok) throw new UsageError(injector.errors.join('; '));
      return injectCommand(values.file, injector.value, process.stdout, process.stderr);
    }
    case 'credential':
      // Runs in the pod next to Envoy (the injected trellis-credential container), logging JSON.
      return credentialCommand(rest, createLogger('info'));
    case 'proxy-status': {
      const { values } = parseArgs({
        args: rest,
        options: { 'admin-address': { type: 'string', default: '127.0.0.1:15014' } },
      });
      const adminAddress = values['admin-address'];
      flagValue('admin-address', adminBaseUrl(adminAddress));
      return proxyStatusCommand({ adminAddress }, process.stdout, process.stderr);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`trellis: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

/**
 * The cluster: --kubeconfig, else KUBECONFIG or ~/.kube/config, else the pod's own account. The
 * client library is loaded only here: it is large (some 15 MB of heap), and file mode never uses it.
 */
async function kubeConfig(file: string | boolean | undefined): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kube = new KubeConfig();
  if (typeof file === 'string') kube.loadFromFile(file);
  else kube.loadFromDefault();
  return kube;
}
