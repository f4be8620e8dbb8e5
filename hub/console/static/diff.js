/* 融汇编辑台 — 修订痕迹: a field change from the API (diffStory, proofRounds) shown as the old
   text with deletions struck and insertions marked, long unchanged stretches folded. */
"use strict";

(() => {
  const C = window.Console;
  const FIELD = { title: "标题", subtitle: "副标题", summary: "摘要", body: "正文", tags: "标签", byline: "署名", source: "来源",
    column_id: "栏目", cover_asset_id: "封面", asset_ids: "图片", channels: "发布渠道", channel_overrides: "渠道专用文本",
    metadata: "元数据", type: "稿件类型", language: "语言", location: "地点" };
  const KEEP = 40;  // characters of context kept on each side of a change

  // The body is HTML: in its unchanged stretches block ends read as line breaks and tags drop
  // out, so an editor reads the text (a change inside a tag still shows as written).
  const readable = (field, text) => (field === "body"
    ? text.replace(/<\/(p|h2|h3|h4|li|figcaption|blockquote)>/g, "\n").replace(/<br\s*\/?>/g, "\n").replace(/<[^>]*>/g, "") : text);

  function fold(text, first, last) {
    if (text.length <= KEEP * 2 + 10) return C.esc(text);
    const head = first ? "" : text.slice(0, KEEP);
    const tail = last ? "" : text.slice(-KEEP);
    return C.esc(head) + '<span class="fold" aria-label="未改动的内容已折叠">…</span>' + C.esc(tail);
  }

  // change: { field, before, after, hunks { op before after beforeStart afterStart } }
  function changeHtml(change) {
    const field = change.field;
    const before = change.before || "";
    const hunks = (change.hunks || []).slice().sort((a, b) => a.beforeStart - b.beforeStart);
    let out = ""; let pos = 0;
    hunks.forEach((h, i) => {
      out += fold(readable(field, before.slice(pos, h.beforeStart)), i === 0, false);
      if (h.before) out += "<del>" + C.esc(h.before) + "</del>";
      if (h.after) out += "<ins>" + C.esc(h.after) + "</ins>";
      pos = h.beforeStart + h.before.length;
    });
    out += fold(readable(field, before.slice(pos)), !hunks.length, true);
    return '<div class="change" data-field="' + C.esc(field) + '"><h4>' + C.esc(FIELD[field] || field) + "</h4>" +
      '<p class="tracked">' + out + "</p></div>";
  }

  C.changeHtml = changeHtml;
  C.FIELD = FIELD;
})();
