// The REST client: JSON in and out, the bearer token on every call, and every failure turned
// into an ApiError carrying the server's {"error": {"status","message","hint"}}.

export class ApiError extends Error {
  readonly status: number;
  readonly hint: string;
  readonly path: string;

  constructor(status: number, message: string, hint = '', path = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.hint = hint;
    this.path = path;
  }
}

/** Any thrown value as {message, hint, status} for display. */
export function describeError(e: unknown): { message: string; hint: string; status: number } {
  if (e instanceof ApiError) return { message: e.message, hint: e.hint, status: e.status };
  if (e instanceof Error) return { message: e.message || String(e), hint: '', status: 0 };
  return { message: String(e), hint: '', status: 0 };
}

const DEFAULT_HINTS: Record<number, string> = {
  401: 'The server needs an access token: open the address calibra serve printed at start (it ends in #token=...).',
  404: '',
  413: 'The file is larger than the server accepts.',
  500: 'This is a bug in the server; the job log or the server output may say more.',
  502: 'Is `calibra serve` running?',
  503: 'Is `calibra serve` running?',
  504: 'Is `calibra serve` running?',
};

/**
 * Turns an error response into an ApiError. The body is the documented error object when the
 * server made it; anything else (a proxy's HTML page, plain text, nothing) still gives a
 * readable message.
 */
export function errorFromResponse(status: number, statusText: string, bodyText: string, path = ''): ApiError {
  let message = '';
  let hint = '';
  const text = (bodyText ?? '').trim();
  if (text) {
    try {
      const body = JSON.parse(text);
      const err = body && typeof body === 'object' ? body.error : undefined;
      if (err && typeof err === 'object') {
        if (typeof err.message === 'string') message = err.message;
        if (typeof err.hint === 'string') hint = err.hint;
        if (typeof err.status === 'number' && err.status >= 400) status = err.status;
      } else if (typeof err === 'string') {
        message = err;
      } else if (body && typeof body.message === 'string') {
        message = body.message;
      }
    } catch {
      // Not JSON: use the text unless it is an HTML page.
      if (!/^<(!doctype|html)/i.test(text)) message = text.length > 300 ? text.slice(0, 300) + '…' : text;
    }
  }
  if (!message) message = `${status} ${statusText || 'error'}`.trim() + (path ? ` (${path})` : '');
  if (!hint) hint = DEFAULT_HINTS[status] ?? '';
  return new ApiError(status, message, hint, path);
}

export function networkError(path: string, cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return new ApiError(0, `Cannot reach the Calibra server${detail}`, 'Is `calibra serve` running? The page retries live updates by itself.', path);
}

export interface ClientOptions {
  base?: string;
  getToken: () => string | null;
  fetchImpl?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Return the body as text instead of parsing JSON (job logs). */
  text?: boolean;
}

export class ApiClient {
  private readonly base: string;
  private readonly getToken: () => string | null;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions) {
    this.base = opts.base ?? '';
    this.getToken = opts.getToken;
    this.fetchImpl = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', ...extra };
    const t = this.getToken();
    if (t) h.Authorization = `Bearer ${t}`;
    return h;
  }

  /** A URL that carries the token in the query (for links and EventSource, which cannot set headers). */
  url(path: string): string {
    const t = this.getToken();
    const u = this.base + path;
    if (!t) return u;
    return u + (u.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(t);
  }

  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const init: RequestInit = { method, headers: this.headers(), signal: opts.signal };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, init);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw networkError(path, e);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, text, path);
    if (opts.text) return text as unknown as T;
    if (res.status === 204 || !text.trim()) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, `The server sent something that is not JSON for ${method} ${path}`, 'Is the address right? The API lives under /api/.', path);
    }
  }

  get<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, undefined, opts);
  }
  post<T>(path: string, body: unknown = {}, opts?: RequestOptions) {
    return this.request<T>('POST', path, body, opts);
  }
  put<T>(path: string, body: unknown, opts?: RequestOptions) {
    return this.request<T>('PUT', path, body, opts);
  }
  del<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, opts);
  }

  /** multipart upload with progress (XMLHttpRequest: fetch cannot report upload progress). */
  upload<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.base + path);
      for (const [k, v] of Object.entries(this.headers())) xhr.setRequestHeader(k, v);
      if (onProgress) {
        xhr.upload.onprogress = (ev) => {
          if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
        };
      }
      xhr.onerror = () => reject(networkError(path, new Error('upload failed')));
      xhr.onload = () => {
        const text = xhr.responseText ?? '';
        if (xhr.status < 200 || xhr.status >= 300) {
          reject(errorFromResponse(xhr.status, xhr.statusText, text, path));
          return;
        }
        try {
          resolve((text.trim() ? JSON.parse(text) : null) as T);
        } catch {
          reject(new ApiError(xhr.status, `The server sent something that is not JSON for POST ${path}`, '', path));
        }
      };
      xhr.send(form);
    });
  }
}
