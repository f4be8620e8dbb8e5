// A small GraphQL client for the hub: anonymous reads by GET with the registered documentId
// (cacheable by a CDN and the browser: ETag, 304), everything signed-in or writing by POST.
import type { TypedDocumentString } from "./gql/graphql.js";

export interface HubErrorEntry {
  message: string;
  extensions: { code: string; message_zh: string; message_en: string; details?: Record<string, unknown> };
}

/** A GraphQL answer with errors: `code` is stable, `messageZh` is for the editor on screen. */
export class HubError extends Error {
  readonly code: string;
  readonly messageZh: string;
  constructor(readonly errors: HubErrorEntry[]) {
    const first = errors[0];
    super(first ? `${first.extensions.code}: ${first.extensions.message_en}` : "unknown error");
    this.code = first?.extensions.code ?? "UNKNOWN";
    this.messageZh = first?.extensions.message_zh ?? "";
  }
}

interface Answer<T> { data?: T | null; errors?: HubErrorEntry[] }

export class HubClient {
  private token: string | null = null;
  private readonly etags = new Map<string, { etag: string; body: unknown }>();
  /** how many anonymous reads the hub answered with 304 Not Modified (the cached body was used) */
  notModified = 0;

  constructor(readonly baseUrl: string) {}

  /** Sign in with the password grant (RFC 6749); the token goes on every later request. */
  async signIn(username: string, password: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username, password }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    if (!response.ok || !body.access_token) throw new Error(`sign-in refused: ${body.error ?? response.status}`);
    this.token = body.access_token;
  }

  signOut(): void {
    this.token = null;
  }

  async request<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
    const hash = document.__meta__?.["hash"];
    const isQuery = document.toString().trimStart().startsWith("query");
    const answer = this.token === null && isQuery && typeof hash === "string"
      ? await this.get<R>(hash, variables)
      : await this.post<R>(document.toString(), variables);
    if (answer.errors?.length) throw new HubError(answer.errors);
    if (answer.data == null) throw new Error("no data");
    return answer.data;
  }

  private async get<R>(hash: string, variables: unknown): Promise<Answer<R>> {
    const params = new URLSearchParams({ documentId: hash }); // "sha256:<hex>", as in the manifest
    if (variables !== undefined) params.set("variables", JSON.stringify(variables));
    const url = `${this.baseUrl}/graphql?${params}`;
    const kept = this.etags.get(url);
    const response = await fetch(url, { headers: kept ? { "if-none-match": kept.etag } : {} });
    if (response.status === 304 && kept) {
      this.notModified += 1;
      return kept.body as Answer<R>;
    }
    const body = (await response.json()) as Answer<R>;
    const etag = response.headers.get("etag");
    if (etag) this.etags.set(url, { etag, body });
    return body;
  }

  private async post<R>(query: string, variables: unknown): Promise<Answer<R>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token !== null) headers["authorization"] = `Bearer ${this.token}`;
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: "POST", headers, body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Answer<R>;
  }
}

/** Every node of a connection, page by page (Relay `first`/`after`, or `last`/`before` backwards). */
export async function* pages<N>(
  fetchPage: (cursor: string | null) => Promise<{
    edges: Array<{ node: N }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor?: string | null; endCursor?: string | null };
  }>,
  backward = false,
): AsyncGenerator<N[]> {
  let cursor: string | null = null;
  for (;;) {
    const page = await fetchPage(cursor);
    yield page.edges.map((e) => e.node);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    cursor = (backward ? page.pageInfo.startCursor : page.pageInfo.endCursor) ?? null;
    if (!more || cursor === null) return;
  }
}
