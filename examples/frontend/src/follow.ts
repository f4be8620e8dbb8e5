// Follows one live story (tests/e2e/test_frontend_example.py drives it): HUB_URL, HUB_STORY.
// Prints one JSON line per message the hub sends; exits 0 after the takedown (null).
import { followLiveStory, liveClient } from "./live.js";

const url = process.env["HUB_URL"];
const id = process.env["HUB_STORY"];
if (!url || !id) throw new Error("HUB_URL and HUB_STORY must be set");

const ws = liveClient(url);
const stop = followLiveStory(ws, id, (story) => {
  console.log(JSON.stringify({ story }));
  if (story === null) {
    stop();
    void ws.dispose();
  }
}, (err) => {
  console.error(err);
  process.exit(1);
});
