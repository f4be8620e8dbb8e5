/* 融汇编辑台 — 多渠道预览: each chosen channel's variant (previewStory: the fields the channel
   will be sent, after overrides) side by side, drawn the way that platform shows it — the
   app's list item and article, the 公众号 card, 抖音's vertical frame, the 学习强国 item, the
   政府网站 page — with the problems that would stop or weaken the send. */
"use strict";

(() => {
  const C = window.Console;
  const { esc, page, $$ } = C;

  // a field that may be sanitised HTML (from the channel's renderer) or plain text
  function bodyHtml(value) {
    const text = String(value == null ? "" : value);
    if (/<\/?(p|h2|h3|figure|img|ul|ol|br)\b/i.test(text)) return text;
    return text.split(/\n{2,}|\n/).filter((p) => p.trim()).map((p) => "<p>" + esc(p) + "</p>").join("");
  }
  const img = (src, alt, cls) => (src ? '<img class="' + cls + '" src="' + esc(src) + '" alt="' + esc(alt) + '">' : "");
  const hashtags = (text) => esc(text).replace(/#([^\s#]+)/g, '<span class="tag">#$1</span>');
  const list = (v) => (Array.isArray(v) ? v.join("、") : v ? String(v) : "");

  const DRAW = {
    app: (f, cover) => '<div class="phone" tabindex="0" role="region" aria-label="客户端预览,可滚动"><div class="app-item">' + img(cover.thumb, "列表封面", "thumb") + "<span>" + esc(f.list_title || f.title) + "</span></div>" +
      '<article class="app-article"><h3>' + esc(f.title) + "</h3>" + (f.subtitle ? '<p class="muted">' + esc(f.subtitle) + "</p>" : "") +
      (f.byline ? '<p class="muted">' + esc(f.byline) + "</p>" : "") + bodyHtml(f.body) + "</article></div>",
    wechat: (f, cover) => '<div class="wechat-card">' + '<div class="wechat-cover">' + img(cover.wechat, "公众号封面(2.35:1 裁切)", "wide") +
      "<strong>" + esc(f.title) + "</strong></div>" + '<p class="digest">' + esc(f.digest) + "</p>" +
      '<p class="muted">' + esc(f.author || "") + "</p></div>" + '<details><summary>正文</summary><div class="article">' + bodyHtml(f.content) + "</div></details>",
    douyin: (f, cover) => '<div class="douyin-frame">' + img(cover.douyin, "抖音竖版封面(9:16 裁切)", "vertical") +
      '<p class="douyin-text">' + hashtags(f.text || "") + "</p></div>",
    xuexi: (f) => '<div class="xuexi-item"><p class="xuexi-bar">学习强国</p><h3>' + esc(f.title) + "</h3>" +
      '<p class="muted">' + esc([f.source_name, list(f.authors)].filter(Boolean).join(" · ")) + (f.reprint === true || f.reprint === "true" ? " · 转载" : "") + "</p>" +
      (f.summary ? '<p class="digest">' + esc(f.summary) + "</p>" : "") + '<div class="article">' + bodyHtml(f.content_html || f.content_text) + "</div></div>",
    gov_site: (f) => '<dl class="gov-meta">' + [["索引号", f.index_no], ["主题分类", f.topic], ["发文机关", f.issuing_agency], ["发文字号", f.document_number],
      ["成文日期", f.written_date], ["发布日期", f.publish_date], ["公开方式", f.disclosure], ["有效性", f.validity]]
      .map(([k, v]) => "<dt>" + esc(k) + "</dt><dd>" + esc(v || "—") + "</dd>").join("") + "</dl>" +
      (f.html ? '<iframe class="gov-page" sandbox="" title="政府网站页面预览" srcdoc="' + esc(f.html) + '"></iframe>' : '<div class="article">' + bodyHtml(f.body) + "</div>"),
  };
  const generic = (f) => "<dl>" + Object.entries(f).filter(([, v]) => v !== null && v !== "" && typeof v !== "object")
    .map(([k, v]) => "<dt>" + esc(k) + "</dt><dd>" + esc(v) + "</dd>").join("") + "</dl>";

  async function preview(id) {
    const q = "query($id: ID!, $c: [String!]) { story(id: $id) { title channels cover { thumb: renditionUrl(spec: \"thumb\") wechat: renditionUrl(spec: \"wechat-cover\") douyin: renditionUrl(spec: \"douyin-vertical\") } } " +
      "previewStory(id: $id, channels: $c) { channel fields overridden deliverable problems { messageZh blocking } } channels { name titleZh } }";
    let d = await Hub.gql(q, { id, c: null });
    if (!d.story) return page("找不到稿件", "");
    const chosen = d.story.channels.length > 0;
    if (!chosen) d = await Hub.gql(q, { id, c: ["app", "wechat", "douyin", "xuexi", "gov_site"].filter((n) => d.channels.some((c) => c.name === n)) });
    const names = Object.fromEntries(d.channels.map((c) => [c.name, c.titleZh]));
    const cover = d.story.cover || {};
    page("多渠道预览:" + d.story.title, (chosen ? "" : '<p class="banner info">此稿尚未选择发布渠道,以下为常用渠道的预览。</p>') +
      '<p><a href="#/story/' + esc(id) + '">返回编辑</a></p><div class="previews">' + d.previewStory.map((v) => {
        const f = v.fields || {};
        const name = names[v.channel] || v.channel;
        return '<section class="preview ' + esc(v.channel) + '" aria-labelledby="pv-' + esc(v.channel) + '"><h2 id="pv-' + esc(v.channel) + '">' + esc(name) + "</h2>" +
          (v.problems.length ? '<ul class="problems">' + v.problems.map((p) => '<li class="' + (p.blocking ? "late" : "") + '">' + (p.blocking ? "无法发送:" : "提示:") + esc(p.messageZh) + "</li>").join("") + "</ul>"
            : '<p class="ok">可以发送</p>') +
          (v.overridden.length ? '<p class="muted">本渠道专用:' + v.overridden.map((x) => esc(x)).join("、") + "</p>" : "") +
          (DRAW[v.channel] || generic)(f, cover) + "</section>";
      }).join("") + "</div>");
    $$(".preview img").forEach((i) => i.addEventListener("error", () => { i.hidden = true; }));
  }

  C.register(/^#\/preview\/([\w-]+)$/, "", preview);
})();
