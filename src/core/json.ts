// The one shape check for parsed JSON and other untrusted values: a plain object (not null,
// not an array). Imports nothing, so the protocol's validators and the webviews share it
// (src/protocol/envelope.ts re-exports it).

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
