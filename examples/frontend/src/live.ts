// 图文直播: follow a published story's public copy over graphql-transport-ws (graphql-ws).
// A reader's socket carries no token: connection_init goes without a payload.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { LiveStory } from "./documents.js";
import type { LiveStorySubscription } from "./gql/graphql.js";

type Live = LiveStorySubscription["liveStory"];

/** In a browser leave out `webSocketImpl` (the page's WebSocket is used); Node 20 needs `ws`. */
export function liveClient(baseUrl: string): Client {
  return createClient({ url: `${baseUrl.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket });
}

/** `onStory` gets the story as published now, then each approved update; null at takedown. */
export function followLiveStory(ws: Client, id: string, onStory: (story: Live) => void, onError: (err: unknown) => void): () => void {
  return ws.subscribe<LiveStorySubscription>(
    { query: LiveStory.toString(), variables: { id } },
    { next: ({ data }) => { if (data) onStory(data.liveStory); }, error: onError, complete: () => {} },
  );
}
