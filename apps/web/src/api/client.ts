/**
 * REST client for `/api/v1` on the same origin. Every error becomes an ApiError carrying the
 * envelope `{code, message, details}` (docs/API.md "Conventions"); a 401 tells the auth layer,
 * which drops the token and shows the login.
 */
export interface FieldDetail {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }

  /**
   * `details[{field, message}]` of a validation error or a 409 naming the taken field; an error whose
   * `details` is one object naming a field (`DC_NAME_TOO_LONG`, `COL0_INVALID`) counts as that field's,
   * with the error's own message.
   */
  get fieldErrors(): FieldDetail[] {
    const one = this.details as { field?: unknown } | null;
    if (!Array.isArray(this.details)) {
      return typeof one === 'object' && one !== null && typeof one.field === 'string'
        ? [{ field: one.field, message: this.message }]
        : [];
    }
    return this.details.filter(
      (d): d is FieldDetail => typeof d === 'object' && d !== null && typeof (d as FieldDetail).field === 'string',
    );
  }
}

const TOKEN_KEY = 'linbo.token';
let unauthorizedHandler: (() => void) | undefined;

export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function request<T>(
  method: string,
  path: string,
  options: { body?: unknown; query?: Query; text?: string; raw?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.text !== undefined) {
    headers['Content-Type'] = 'text/csv';
    body = options.text;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`/api/v1${withQuery(path, options.query)}`, { method, headers, body });
  if (res.status === 401 && !path.startsWith('/auth/login')) unauthorizedHandler?.();
  if (!res.ok) {
    const envelope = (await res.json().catch(() => null)) as {
      error?: { code?: string; message?: string; details?: unknown };
    } | null;
    const err = envelope?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, err?.details);
  }
  if (options.raw) return (await res.text()) as T;
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<{ data: T }>('GET', path, { query }).then((r) => r.data),
  page: <T>(path: string, query?: Query) =>
    request<{ data: T[]; pagination: import('./types').Pagination }>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, query?: Query) =>
    request<{ data: T }>('POST', path, { body, query }).then((r) => r.data),
  patch: <T>(path: string, body: unknown) => request<{ data: T }>('PATCH', path, { body }).then((r) => r.data),
  del: <T>(path: string) => request<{ data: T } | undefined>('DELETE', path).then((r) => r?.data as T),
  text: (path: string) => request<string>('GET', path, { raw: true }),
  postText: <T>(path: string, text: string, query?: Query) =>
    request<{ data: T }>('POST', path, { text, query }).then((r) => r.data),
};
