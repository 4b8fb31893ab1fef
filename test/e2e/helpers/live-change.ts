// Calls in a loop while a test changes the routing, and reports where calls went and how many failed.
import type { EchoCaller } from './echo-server.js';

export async function callsDuringChange(
  client: EchoCaller,
  change: () => Promise<void>,
  until: { readonly server: string; readonly calls: number },
): Promise<{ seen: Record<string, number>; failures: number }> {
  const running = (async () => {
    const seen: Record<string, number> = {};
    let failures = 0;
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 5_000 && Date.now() < deadline; i++) {
      try {
        const { from } = await client.call(5_000);
        seen[from] = (seen[from] ?? 0) + 1;
        if ((seen[until.server] ?? 0) >= until.calls) break;
      } catch {
        failures++;
      }
    }
    return { seen, failures };
  })();
  await new Promise((r) => setTimeout(r, 200));
  await change();
  return running;
}
