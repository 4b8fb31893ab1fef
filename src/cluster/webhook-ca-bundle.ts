// Keeps the `caBundle` of Trellis's MutatingWebhookConfiguration equal to the roots that sign the
// webhook's serving certificate, so the API server can call the injector. Leader only; called at
// start and whenever the serving certificate or the roots change. A configuration that already
// says it is not written; a 409 is left to the next call.
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { withDeadline } from '../kube-call.js';
import type { Logger } from '../log.js';
import { apiCode, apiMessage } from './api-errors.js';

export const WEBHOOK_CONFIGURATION_NAME = 'trellis-sidecar-injector';

export type CaBundleResult = 'updated' | 'unchanged' | 'absent' | 'conflict' | 'error';

export class WebhookCaBundle {
  private readonly api: AdmissionregistrationV1Api;

  constructor(
    config: KubeConfig,
    private readonly logger: Logger,
    private readonly name = WEBHOOK_CONFIGURATION_NAME,
    private readonly timeoutMs = 10_000,
  ) {
    this.api = config.makeApiClient(AdmissionregistrationV1Api);
  }

  /** Sets every webhook's caBundle of the configuration to `rootsPem`. */
  async publish(rootsPem: string): Promise<CaBundleResult> {
    const caBundle = Buffer.from(rootsPem, 'utf8').toString('base64');
    try {
      const found = await withDeadline(
        `reading mutatingwebhookconfiguration ${this.name}`,
        this.timeoutMs,
        (options) => this.api.readMutatingWebhookConfiguration({ name: this.name }, options),
      );
      const webhooks = found.webhooks ?? [];
      if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return 'unchanged';
      for (const webhook of webhooks) webhook.clientConfig.caBundle = caBundle;
      await withDeadline(`updating mutatingwebhookconfiguration ${this.name}`, this.timeoutMs, (options) =>
        this.api.replaceMutatingWebhookConfiguration({ name: this.name, body: found }, options),
      );
      this.logger.info({ webhookConfiguration: this.name }, 'webhook caBundle set');
      return 'updated';
    } catch (err) {
      const code = apiCode(err);
      if (code === 404) {
        this.logger.warn(
          { webhookConfiguration: this.name },
          `MutatingWebhookConfiguration ${this.name} does not exist: the API server cannot call the injector until it is installed (deploy/)`,
        );
        return 'absent';
      }
      if (code === 409) return 'conflict';
      this.logger.warn(
        { webhookConfiguration: this.name, err: apiMessage(err) },
        'setting the webhook caBundle failed; tried again at the next change',
      );
      return 'error';
    }
  }
}
