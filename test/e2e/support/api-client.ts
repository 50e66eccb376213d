/**
 * A small REST client for the API under test (DOMAIN.md §7): bodies `{data}` / `{error:{code,message}}`.
 * Uses Node's fetch; every non-2xx answer from the `data*` helpers becomes an error that quotes the
 * method, path, status and body, so a failing step says exactly what the API answered.
 */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** defaults to application/json; a string body with e.g. text/csv is sent verbatim */
  contentType?: string;
  headers?: Record<string, string>;
}

export class ApiRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly response: ApiResponse,
  ) {
    super(`${method} ${path} → ${response.status}: ${response.text.slice(0, 1500)}`);
  }
}

export class ApiClient {
  constructor(
    /** e.g. http://127.0.0.1:4321/api/v1 */
    readonly baseUrl: string,
    private token?: string,
  ) {}

  get bearerToken(): string | undefined {
    return this.token;
  }

  /** POST /auth/login and keep the JWT for later requests. */
  async login(username: string, password: string): Promise<string> {
    const res = await this.request('POST', '/auth/login', { body: { username, password } });
    const token = (res.body as { data?: { token?: string } } | undefined)?.data?.token;
    if (res.status >= 300 || typeof token !== 'string') throw new ApiRequestError('POST', '/auth/login', res);
    this.token = token;
    return token;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    if (text.length > 0 && (res.headers.get('content-type') ?? '').includes('json')) {
      body = JSON.parse(text);
    }
    return { status: res.status, body: body as T, text, headers: res.headers };
  }

  /** Any request whose 2xx answer's `data` is returned; anything else throws ApiRequestError. */
  async data<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request<{ data: T }>(method, path, options);
    if (res.status < 200 || res.status >= 300) throw new ApiRequestError(method, path, res);
    return res.body.data;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.data<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown, contentType?: string): Promise<T> {
    return this.data<T>('POST', path, { body, contentType });
  }

  patch<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.data<T>('PATCH', path, { body });
  }

  delete<T = unknown>(path: string): Promise<T> {
    return this.data<T>('DELETE', path);
  }

  /** Every item of a paginated list (`{data, pagination:{pages}}`), page by page at limit 100. */
  async list<T = unknown>(path: string): Promise<T[]> {
    const items: T[] = [];
    const sep = path.includes('?') ? '&' : '?';
    for (let page = 1; ; page++) {
      const res = await this.request<{ data: T[]; pagination: { pages: number } }>(
        'GET',
        `${path}${sep}page=${page}&limit=100`,
      );
      if (res.status !== 200) throw new ApiRequestError('GET', path, res);
      items.push(...res.body.data);
      if (page >= res.body.pagination.pages) return items;
    }
  }
}
