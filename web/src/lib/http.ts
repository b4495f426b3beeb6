// The one HTTP client of the SPA. The session is the gateway's HttpOnly cookie: no token is ever
// stored by the browser code. Calls that change state carry the CSRF header the gateway requires.

export interface ProblemDetails {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code ?? 'error';
    this.problem = problem;
  }
}

export const CSRF_HEADER = 'X-Requested-With';
export const CSRF_VALUE = 'andon';

type FetchLike = typeof fetch;
let fetchImpl: FetchLike | null = null;

/** Tests may swap the transport; the app uses the browser's fetch. */
export function setFetch(impl: FetchLike | null): void {
  fetchImpl = impl;
}

function currentFetch(): FetchLike {
  return fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
}

/** Listeners told when any call answers 401 (the session ended). */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not announce a 401 (the sign-in page's own calls). */
  quiet401?: boolean;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (method !== 'GET' && method !== 'HEAD') headers[CSRF_HEADER] = CSRF_VALUE;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await currentFetch()(path, {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (!response.ok) {
    let problem: ProblemDetails = { status: response.status };
    try {
      const parsed = (await response.json()) as Partial<ProblemDetails>;
      problem = { ...parsed, status: response.status };
    } catch {
      // Not JSON: keep the status alone.
    }
    if (response.status === 401 && !options.quiet401) unauthorizedListeners.forEach((l) => l());
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
