// The access token: given once in the URL fragment (`/#token=TOKEN`, as `calibra serve` prints
// it), then kept in sessionStorage and removed from the address bar.

const KEY = 'calibra.token';

/**
 * Splits a location hash into the token it carries (if any) and the route that remains.
 * Accepts `#token=T`, `#token=T&/projects/1`, `#/projects/1?token=T` and `#/x?a=1&token=T`.
 */
export function parseTokenFromHash(hash: string): { token: string | null; rest: string } {
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  let token: string | null = null;
  const m = /^token=([^&]*)(?:&(.*))?$/.exec(h);
  if (m) {
    token = decodeURIComponent(m[1]);
    h = m[2] ?? '/';
  } else {
    const q = h.indexOf('?');
    if (q >= 0) {
      const params = new URLSearchParams(h.slice(q + 1));
      const t = params.get('token');
      if (t !== null) {
        token = t;
        params.delete('token');
        const rest = params.toString();
        h = h.slice(0, q) + (rest ? '?' + rest : '');
      }
    }
  }
  if (!h.startsWith('/')) h = '/' + h;
  return { token: token === '' ? null : token, rest: '#' + h };
}

let memoryToken: string | null = null;

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

export function setToken(t: string | null): void {
  memoryToken = t;
  try {
    if (t) sessionStorage.setItem(KEY, t);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* storage disabled: keep it in memory */
  }
}

/** Reads a token from the current URL fragment, stores it, and cleans the address bar. */
export function captureTokenFromLocation(): void {
  const { token, rest } = parseTokenFromHash(location.hash);
  if (token) {
    setToken(token);
    history.replaceState(null, '', location.pathname + location.search + rest);
  }
}
