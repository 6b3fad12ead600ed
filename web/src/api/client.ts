// The one HTTP client of the SPA: typed from the server's OpenAPI, token from the session.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Operation = Schemas["Operation"];
export type Mission = Schemas["Mission"];
export type Asset = Schemas["Asset"];
export type Fix = Schemas["Fix"];
export type Intel = Schemas["Intel"];
export type Agent = Schemas["Agent"];
export type AgentRun = Schemas["AgentRun"];
export type VtocEvent = Schemas["Event"];
export type Dashboard = Schemas["Dashboard"];
export type Role = Schemas["Role"];

const TOKEN_KEY = "vtoc.token";

/** The token lives in sessionStorage: gone when the tab closes, never in a URL. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

type FieldError = { field: string; message: string };

/** An RFC 9457 problem answer, with the field errors the server named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | null,
    readonly errors: FieldError[] = [],
  ) {
    super(detail ?? title);
  }

  /** The complaint about ``field``: its own, a nested model's (``asset.name``), or one inside
   * it (``config.link_kinds.1``, named so the user sees which key). */
  fieldError(field: string): string | undefined {
    const own = this.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`));
    if (own) return own.message;
    const inner = this.errors.find((e) => e.field.startsWith(`${field}.`));
    return inner && `${inner.field.slice(field.length + 1)}: ${inner.message}`;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

// fetch is looked up per call, so tests and the browser both see the current one.
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: (request) => globalThis.fetch(request),
});
api.use(auth);

/** openapi-fetch answers `{data, error, response}`; turn errors into thrown ApiErrors. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const problem = (error ?? {}) as Partial<{ title: string; detail: string; errors: FieldError[] }>;
    throw new ApiError(
      response.status,
      problem.title ?? response.statusText,
      problem.detail ?? null,
      Array.isArray(problem.errors) ? problem.errors : [],
    );
  }
  return data as T;
}
