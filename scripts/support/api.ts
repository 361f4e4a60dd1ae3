/**
 * A small client of the service's API for the scripts (demo, screenshots): JSON in and out, the key in
 * `X-Auth-Key`, and an error that names the call for any answer other than 2xx.
 */
export async function api(baseUrl: string, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-auth-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}
