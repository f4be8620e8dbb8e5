// Runs the client against a running hub (tests/e2e/test_frontend_example.py starts one):
//   HUB_URL, HUB_USER, HUB_PASSWORD, HUB_TAG (stories tagged so, published by the test)
// Prints one JSON line of findings; exits 1 on the first broken expectation.
import { HubClient, HubError, pages } from "./client.js";
import { CreateStory, NodeById, RenameStory, StoryList } from "./documents.js";

function need(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`broken: ${what}`);
}

const hub = new HubClient(need(process.env["HUB_URL"], "HUB_URL"));
const tag = need(process.env["HUB_TAG"], "HUB_TAG");

// anonymous, by GET with documentId: every page forward, then backward, must agree
const forward: string[] = [];
for await (const nodes of pages((after) => hub.request(StoryList, { tag, first: 2, after }).then((d) => d.stories))) {
  forward.push(...nodes.map((n) => n.title));
}
const backward: string[][] = [];
for await (const nodes of pages((before) => hub.request(StoryList, { tag, last: 2, before }).then((d) => d.stories), true)) {
  backward.unshift(nodes.map((n) => n.title));
}
check(JSON.stringify(backward.flat()) === JSON.stringify(forward), "backward paging agrees with forward paging");
const first = await hub.request(StoryList, { tag, first: 1 });
check(first.stories.totalCount === forward.length, "totalCount counts the list");
const again = await hub.request(StoryList, { tag, first: 1 });
check(hub.notModified >= 1 && again.stories.edges[0]?.node.id === first.stories.edges[0]?.node.id, "revalidation is a 304");
const id = first.stories.edges[0]?.node.id;
check(id !== undefined, "a published story");
const node = await hub.request(NodeById, { id: id! });
check(node.node?.id === id, "node(id:) refetches the story");

// signed in, by POST: a write, and a stable error code on a stale version
await hub.signIn(need(process.env["HUB_USER"], "HUB_USER"), need(process.env["HUB_PASSWORD"], "HUB_PASSWORD"));
const created = await hub.request(CreateStory, { title: "前端示例", tag: `${tag}-drafts` });
let code = "";
try {
  await hub.request(RenameStory, { id: created.createStory.id, version: created.createStory.version + 5, title: "改" });
} catch (err) {
  if (err instanceof HubError) code = err.code;
}
check(code === "VERSION_CONFLICT", "a stale version is VERSION_CONFLICT");

console.log(JSON.stringify({ forward, notModified: hub.notModified, created: created.createStory.id, code }));
