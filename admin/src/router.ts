/** Hash routes: #/orders?status=…, #/orders/42, #/organizations, #/organizations/7, #/test, #/sign-in. */
export type Route =
  | { name: 'orders'; query: URLSearchParams }
  | { name: 'order'; id: number }
  | { name: 'organizations'; id: number | null }
  | { name: 'test' }
  | { name: 'sign-in' }
  | { name: 'not-found'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/orders';
  const [path, search = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const id = (value: string | undefined) => (value && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : null);
  switch (parts[0]) {
    case 'orders':
      if (parts.length === 1) return { name: 'orders', query: new URLSearchParams(search) };
      if (parts.length === 2 && id(parts[1]) !== null) return { name: 'order', id: id(parts[1])! };
      break;
    case 'organizations':
      if (parts.length === 1) return { name: 'organizations', id: null };
      if (parts.length === 2 && id(parts[1]) !== null) return { name: 'organizations', id: id(parts[1]) };
      break;
    case 'test':
      if (parts.length === 1) return { name: 'test' };
      break;
    case 'sign-in':
      return { name: 'sign-in' };
  }
  return { name: 'not-found', path };
}

export function navigate(hash: string): void {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = hash;
}
