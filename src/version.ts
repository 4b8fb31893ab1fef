// Trellis's version, as package.json says (a test holds them equal): what sidecars report in their
// node metadata and what the injector writes on a pod.
export const TRELLIS_VERSION = '0.1.0';
