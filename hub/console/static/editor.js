/* 融汇编辑台 — 写稿 and 稿件编辑: the story form with its rich-text body, pictures from the
   media library (媒体库) with captions, the cover and its focal point, per-channel texts,
   autosave with expectedVersion and the conflict screen, the edit lock, 批注 with @mentions,
   检查发现 marked in the text, and 三校 with its tracked changes. */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, when, toast, failed, route, page, list, STATUS } = C;
  const leaveHooks = { push: C.onLeave };
  // per-channel texts an editor writes (the other overridable fields are ids and codes, kept as they are)
  const TEXT_OVERRIDES = { text: "文案", digest: "摘要", title: "标题", list_title: "列表标题", summary: "摘要", author: "作者", desc: "描述" };

  const STORY_FIELDS = "id title subtitle summary body tags byline version status channels channelOverrides " +
    "source { sourceName originalAuthor originalTitle reprint } column { id name } cover { id url focalX focalY } " +
    "lock { holder holderName expiresAt } assignment { id }";

  async function newStory() {
    const assignment = sessionStorage.getItem("assignment");
    page("写稿", '<form id="new" class="card"><label for="new-title">标题</label><input type="text" id="new-title" required>' +
      '<div class="row"><button type="submit">创建草稿</button></div></form>');
    $("#new-title").focus();
    $("#new").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const s = (await Hub.gql("mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }",
          { i: { title: $("#new-title").value.trim(), body: "<p></p>", idempotencyKey: "console-" + Date.now() } })).createStory;
        if (assignment) {
          sessionStorage.removeItem("assignment");
          await Hub.gql("mutation($a: ID!, $s: ID!) { fileAssignment(id: $a, storyId: $s) { id } }", { a: assignment, s: s.id }).catch(failed);
        }
        location.hash = "#/story/" + s.id;
      } catch (err) { failed(err); }
    });
  }

  async function editStory(id) {
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { " + STORY_FIELDS + " } columns { id name } channels { name titleZh overridable } me { subject } }", { id });
    if (!d.story) return page("找不到稿件", "");
    const s = d.story;
    let version = s.version;
    let dirty = false; let saving = false; let readOnly = false;
    // 更正: a published story is changed as a whole, with a note, and goes back through review
    const correcting = s.status === "PUBLISHED";
    page("稿件编辑",
      '<div id="lock-banner"></div><div id="conflict"></div>' +
      '<div class="cols"><form id="story" class="card" novalidate>' +
      '<label for="f-title">标题</label><input type="text" id="f-title" value="' + esc(s.title) + '">' +
      '<label for="f-subtitle">副标题</label><input type="text" id="f-subtitle" value="' + esc(s.subtitle || "") + '">' +
      '<label for="f-summary">摘要</label><textarea id="f-summary">' + esc(s.summary || "") + "</textarea>" +
      '<p id="f-body-label" class="field-label">正文</p>' +
      '<div class="toolbar" role="toolbar" aria-label="正文格式">' +
      '<button type="button" data-cmd="formatBlock" data-arg="P">段落</button><button type="button" data-cmd="formatBlock" data-arg="H2">标题</button>' +
      '<button type="button" data-cmd="formatBlock" data-arg="H3">小标题</button><button type="button" data-cmd="bold">加粗</button>' +
      '<button type="button" data-cmd="italic">斜体</button><button type="button" data-cmd="insertUnorderedList">列表</button>' +
      '<button type="button" data-cmd="insertOrderedList">编号</button><button type="button" data-cmd="link">链接</button>' +
      '<button type="button" data-cmd="image">插图</button></div>' +
      '<div id="f-body" class="body-editor" contenteditable="true" role="textbox" aria-multiline="true" aria-labelledby="f-body-label">' + s.body + "</div>" +
      '<label for="f-column">栏目</label><select id="f-column"><option value="">(无)</option>' +
      d.columns.map((c) => '<option value="' + esc(c.id) + '"' + (s.column && s.column.id === c.id ? " selected" : "") + ">" + esc(c.name) + "</option>").join("") + "</select>" +
      '<label for="f-tags">标签(用逗号分隔)</label><input type="text" id="f-tags" value="' + esc(s.tags.join(",")) + '">' +
      '<fieldset><legend>来源</legend>' +
      '<label for="f-source">来源</label><input type="text" id="f-source" value="' + esc(s.source.sourceName || "") + '">' +
      '<label for="f-author">原作者</label><input type="text" id="f-author" value="' + esc(s.source.originalAuthor || "") + '">' +
      '<label for="f-otitle">原标题</label><input type="text" id="f-otitle" value="' + esc(s.source.originalTitle || "") + '">' +
      '<label class="inline"><input type="checkbox" id="f-reprint"' + (s.source.reprint ? " checked" : "") + ">转载</label></fieldset>" +
      '<fieldset><legend>发布渠道</legend>' + d.channels.map((c) => '<label class="inline"><input type="checkbox" name="channel" value="' + esc(c.name) + '"' +
        (s.channels.includes(c.name) ? " checked" : "") + ">" + esc(c.titleZh) + "</label>").join("") + "</fieldset>" +
      '<fieldset><legend>渠道专用文本</legend><p class="muted">不填则用上面的通用内容;已选渠道自动展开。</p>' + overrideFields(d.channels, s) + "</fieldset>" +
      "</form>" +
      '<aside class="card"><h2>封面</h2><div id="cover"></div><label for="f-cover">上传封面图</label><input type="file" id="f-cover" accept="image/*">' +
      '<div class="row"><button type="button" id="cover-library" class="secondary">从媒体库选封面</button></div>' +
      '<p class="status-line" id="save-state" role="status">版本 ' + version + " · " + esc(STATUS[s.status] || s.status) + "</p>" +
      (correcting ? '<div class="banner warn"><p>此稿已发布。修改不会自动保存:改完后填写更正说明并提交,经审核后作为更正发往各渠道。</p>' +
        '<label for="correction-note">更正说明</label><textarea id="correction-note"></textarea>' +
        '<div class="row"><button type="button" id="save">提交更正</button></div></div>'
        : '<div class="row"><button type="button" id="save">保存</button><button type="button" id="submit" class="secondary">送审</button></div>') +
      '<p><a href="#/preview/' + esc(id) + '">多渠道预览</a> · <a href="#/publish/' + esc(id) + '">发布情况</a></p>' +
      '<section aria-labelledby="h-checks"><h2 id="h-checks">检查发现</h2><div id="checks"></div></section>' +
      '<section aria-labelledby="h-proof"><h2 id="h-proof">三校</h2><div id="proof"></div></section>' +
      '<h2>批注</h2><div id="comments"></div><form id="comment-form"><p id="comment-reply" class="muted" aria-live="polite"></p><label for="comment-text">批注(用 @用户名 提醒同事)</label>' +
      '<textarea id="comment-text"></textarea><div class="row"><button type="submit" class="secondary">发表批注</button></div></form></aside></div>' + pickerHtml());

    const body = $("#f-body");
    freshPictures(body).catch(() => {});
    const state = $("#save-state");
    const setState = (text) => { state.textContent = text; };
    const collect = () => ({
      id, expectedVersion: version, title: $("#f-title").value, subtitle: $("#f-subtitle").value, summary: $("#f-summary").value,
      body: body.innerHTML, columnId: $("#f-column").value || null,
      tags: $("#f-tags").value.split(/[,,]/).map((t) => t.trim()).filter(Boolean),
      source: { sourceName: $("#f-source").value || null, originalAuthor: $("#f-author").value || null, originalTitle: $("#f-otitle").value || null, reprint: $("#f-reprint").checked },
      channels: $$("input[name=channel]:checked").map((c) => c.value),
      channelOverrides: overrides(),
      assetIds: bodyAssets(),
    });
    // the overrides as stored, with the texts of this form in place of their old values
    function overrides() {
      const o = JSON.parse(JSON.stringify(s.channelOverrides || {}));
      $$("[data-ov-channel]").forEach((x) => {
        const ch = x.dataset.ovChannel; const field = x.dataset.ovField; const v = x.value.trim();
        if (v) { o[ch] = o[ch] || {}; o[ch][field] = v; } else if (o[ch]) { delete o[ch][field]; if (!Object.keys(o[ch]).length) delete o[ch]; }
      });
      return o;
    }
    const bodyAssets = () => Array.from(new Set($$("[data-asset-id]", body).map((x) => x.dataset.assetId)));
    async function save(input) {
      if (saving || readOnly) return;
      if (correcting && !input) return correct();
      saving = true; setState("正在保存……");
      try {
        const u = (await Hub.gql("mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version status } }", { i: input || collect() })).updateStory;
        version = u.version; dirty = false; setState("已保存 · 版本 " + version + " · " + (STATUS[u.status] || u.status));
        checks().catch(() => {}); proof().catch(() => {});
      } catch (err) {
        if (err.code === "VERSION_CONFLICT") return showConflict(err);
        if (err.code === "STORY_LOCKED") await lockState();
        setState("未保存:" + err.message);
      } finally { saving = false; }
    }
    async function correct() {
      const note = $("#correction-note").value.trim();
      if (!note) { toast("请填写更正说明"); $("#correction-note").focus(); return; }
      saving = true; setState("正在提交更正……");
      try {
        const rr = (await Hub.gql("mutation($i: UpdateStoryInput!, $n: String!) { correctStory(input: $i, note: $n) { status currentStage { name } } }", { i: collect(), n: note })).correctStory;
        version = (await Hub.gql("query($id: ID!) { story(id: $id) { version } }", { id })).story.version;
        dirty = false;
        setState("更正已提交 · 版本 " + version + " · " + (rr.currentStage ? "待" + rr.currentStage.name : STATUS[rr.status] || rr.status));
        toast("更正已提交");
      } catch (err) {
        if (err.code === "VERSION_CONFLICT") return showConflict(err);
        setState("更正未提交:" + err.message);
      } finally { saving = false; }
    }
    async function showConflict(err) {
      setState("未保存:版本冲突");
      const theirs = (await Hub.gql("query($id: ID!) { story(id: $id) { title body version } }", { id })).story;
      const mine = collect();
      $("#conflict").innerHTML = '<section class="banner bad" role="alert" aria-labelledby="conflict-h"><h2 id="conflict-h">版本冲突</h2><p>' + esc(err.message) + "</p>" +
        '<div class="conflict"><div class="card" tabindex="0" role="region" aria-label="我的修改"><h3>我的修改</h3><p><strong>' + esc(mine.title) + "</strong></p><div>" + mine.body + "</div></div>" +
        '<div class="card" tabindex="0" role="region" aria-label="最新版本"><h3>最新版本(版本 ' + theirs.version + ')</h3><p><strong>' + esc(theirs.title) + "</strong></p><div>" + theirs.body + "</div></div></div>" +
        '<div class="row"><button type="button" id="keep-mine">保留我的修改(覆盖最新版本)</button><button type="button" id="take-theirs" class="secondary">放弃我的修改,载入最新版本</button></div></section>';
      $("#keep-mine").focus();
      $("#keep-mine").addEventListener("click", async () => { version = theirs.version; $("#conflict").innerHTML = ""; if (correcting) await correct(); else await save(Object.assign(mine, { expectedVersion: theirs.version })); });
      $("#take-theirs").addEventListener("click", () => { $("#conflict").innerHTML = ""; dirty = false; route(); });
    }
    let timer = null;
    const changed = (e) => {
      if (e && e.target && e.target.id === "correction-note") return;
      dirty = true; clearTimeout(timer);
      if (correcting) { setState("有未提交的更正"); return; }
      setState("有未保存的修改"); timer = setTimeout(() => save(), 2000);
    };
    $("#story").addEventListener("input", changed);
    $("#story").addEventListener("change", (e) => {
      if (e.target.name === "channel") {  // a channel chosen: its own texts open
        const det = $('details[data-channel="' + e.target.value + '"]'); if (det && e.target.checked) det.open = true;
      }
      changed();
    });
    $("#save").addEventListener("click", () => { clearTimeout(timer); save(); });
    if ($("#submit")) $("#submit").addEventListener("click", async () => {
      clearTimeout(timer);
      if (dirty) await save();
      try {
        const r = (await Hub.gql("mutation($id: ID!, $v: Int!) { submitForReview(id: $id, expectedVersion: $v) { status currentStage { name } } }", { id, v: version })).submitForReview;
        setState("已送审 · " + (r.currentStage ? r.currentStage.name : STATUS[r.status] || r.status)); toast("已送审");
      } catch (err) { failed(err); }
    });
    $$(".toolbar button").forEach((b) => b.addEventListener("click", () => {
      body.focus();
      if (b.dataset.cmd === "link") { const url = prompt("链接地址(https://…)"); if (url) document.execCommand("createLink", false, url); }
      else if (b.dataset.cmd === "image") { keepCaret(); openPicker("body"); return; }
      else document.execCommand(b.dataset.cmd, false, b.dataset.arg || null);
      changed();
    }));
    // 插图 and 封面 from the media library (or a new upload into it)
    let caret = null;
    function keepCaret() {
      const sel = window.getSelection();
      caret = sel.rangeCount && body.contains(sel.getRangeAt(0).commonAncestorContainer) ? sel.getRangeAt(0).cloneRange() : null;
    }
    function insertFigure(asset, caption) {
      body.focus();
      const sel = window.getSelection();
      if (caret) { sel.removeAllRanges(); sel.addRange(caret); } else { sel.selectAllChildren(body); sel.collapseToEnd(); }
      document.execCommand("insertHTML", false, '<figure><img src="' + esc(asset.url) + '" alt="' + esc(caption || asset.alt || "") + '" data-asset-id="' + esc(asset.id) + '">' +
        (caption ? "<figcaption>" + esc(caption) + "</figcaption>" : "") + "</figure><p><br></p>");
      changed();
    }
    async function setCover(asset) {
      setState("正在设置封面……");
      const input = collect(); input.coverAssetId = asset.id;
      clearTimeout(timer);
      await save(input);
      await showCover();
    }
    const picker = mediaPicker({
      chosen: async (mode, asset, caption) => {
        if (mode === "cover") await setCover(asset); else insertFigure(asset, caption);
      },
      defaultAlt: () => $("#f-title").value,
    });
    const openPicker = picker.open;
    $("#cover-library").addEventListener("click", () => openPicker("cover"));
    $("#f-cover").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      try {
        setState("正在上传封面……");
        const a = await Hub.upload(file, { alt: $("#f-title").value });
        await setCover(a);
      } catch (err) { failed(err); }
    });
    // the cover with its focal point (click the picture or use the two sliders) and the crops
    // the channels will cut around it (公众号 2.35:1, 抖音 9:16)
    async function showCover() {
      const c = (await Hub.gql("query($id: ID!) { story(id: $id) { cover { id url focalX focalY wechat: renditionUrl(spec: \"wechat-cover\") douyin: renditionUrl(spec: \"douyin-vertical\") } } }", { id })).story.cover;
      const box = $("#cover");
      if (!c || !c.url) { box.innerHTML = '<p class="muted">尚无封面</p>'; return; }
      box.innerHTML = '<div class="focal-wrap"><img class="cover" src="' + esc(c.url) + '" alt="封面(点击图片设置焦点)"><span class="focal-dot" aria-hidden="true"></span></div>' +
        '<label for="focal-x">焦点(左右)</label><input type="range" id="focal-x" min="0" max="100" value="' + Math.round(c.focalX * 100) + '">' +
        '<label for="focal-y">焦点(上下)</label><input type="range" id="focal-y" min="0" max="100" value="' + Math.round(c.focalY * 100) + '">' +
        '<div class="crops"><figure><img src="' + esc(c.wechat || "") + '" alt="公众号封面裁切"><figcaption>公众号封面</figcaption></figure>' +
        '<figure><img src="' + esc(c.douyin || "") + '" alt="抖音竖版裁切"><figcaption>抖音竖版</figcaption></figure></div>';
      const dot = $(".focal-dot", box);
      const place = (fx, fy) => { dot.style.left = fx * 100 + "%"; dot.style.top = fy * 100 + "%"; };
      place(c.focalX, c.focalY);
      const setFocal = async (fx, fy) => {
        place(fx, fy);
        try {
          await Hub.gql("mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { id } }", { i: { id: c.id, focalX: fx, focalY: fy } });
          toast("焦点已设为 " + Math.round(fx * 100) + "%, " + Math.round(fy * 100) + "%");
          await showCover();
        } catch (err) { failed(err); }
      };
      $("img.cover", box).addEventListener("click", (e) => {
        const r = e.currentTarget.getBoundingClientRect();
        setFocal(Math.round(((e.clientX - r.left) / r.width) * 100) / 100, Math.round(((e.clientY - r.top) / r.height) * 100) / 100);
      });
      ["#focal-x", "#focal-y"].forEach((sel) => $(sel, box).addEventListener("change", () => setFocal(+$("#focal-x").value / 100, +$("#focal-y").value / 100)));
      if (readOnly) $$("input", box).forEach((x) => { x.disabled = true; });
    }
    await showCover();

    async function loadComments() {
      const cs = (await Hub.gql("query($id: ID!) { comments(storyId: $id, includeResolved: false) { id authorName author text createdAt unknownMentions replies { authorName text } } }", { id })).comments;
      $("#comments").innerHTML = list(cs, (c) => "<strong>" + esc(c.authorName || c.author) + "</strong>:" + esc(c.text) + ' <span class="muted">' + esc(when(c.createdAt)) + "</span>" +
        (c.unknownMentions.length ? ' <span class="late">找不到用户:' + esc(c.unknownMentions.join("、")) + "</span>" : "") +
        c.replies.map((r) => "<div>↳ " + esc(r.authorName || "") + ":" + esc(r.text) + "</div>").join("") +
        '<div class="row"><button type="button" class="secondary" data-reply="' + esc(c.id) + '" data-who="' + esc(c.authorName || c.author) + '">回复</button>' +
        '<button type="button" class="secondary" data-resolve="' + esc(c.id) + '">标为已解决</button></div>');
      $$("#comments [data-reply]").forEach((b) => b.addEventListener("click", () => {
        replyTo = b.dataset.reply;
        $("#comment-reply").innerHTML = "回复 " + esc(b.dataset.who) + ' <button type="button" class="secondary" id="reply-cancel">取消回复</button>';
        $("#reply-cancel").addEventListener("click", () => { replyTo = null; $("#comment-reply").textContent = ""; });
        $("#comment-text").focus();
      }));
      $$("#comments [data-resolve]").forEach((b) => b.addEventListener("click", async () => {
        try { await Hub.gql("mutation($id: ID!) { resolveComment(id: $id) { id } }", { id: b.dataset.resolve }); toast("批注已解决"); await loadComments(); } catch (err) { failed(err); }
      }));
    }
    let replyTo = null;
    $("#comment-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("#comment-text").value.trim(); if (!text) return;
      try {
        await Hub.gql("mutation($i: AddCommentInput!) { addComment(input: $i) { id } }", { i: { storyId: id, text, replyTo } });
        $("#comment-text").value = ""; replyTo = null; $("#comment-reply").textContent = ""; await loadComments();
      }
      catch (err) { failed(err); }
    });
    await loadComments();

    // 检查发现: sensitive words, 转载 rules … listed, marked in the body (CSS highlights leave
    // the text as it is) and acknowledged by those allowed
    async function checks() {
      const fs = (await Hub.gql("query($id: ID!) { storyChecks(id: $id) { key code message blocking acknowledged acknowledgedBy field match suggestion } }", { id })).storyChecks;
      $("#checks").innerHTML = fs.length ? "<ul>" + fs.map((f) => '<li class="finding' + (f.blocking && !f.acknowledged ? " late" : "") + '">' +
        (f.field ? "<span class=\"muted\">" + esc(C.FIELD[f.field] || f.field) + "</span> " : "") + (f.match ? "<mark>" + esc(f.match) + "</mark> " : "") + esc(f.message) +
        (f.suggestion ? "(建议:" + esc(f.suggestion) + ")" : "") + (f.blocking ? " <strong>须处理</strong>" : "") +
        (f.acknowledged ? ' <span class="muted">已确认</span>' : ' <button type="button" class="secondary" data-ack="' + esc(f.key) + '">确认无误</button>') + "</li>").join("") + "</ul>"
        : '<p class="muted">未发现问题</p>';
      $$("#checks [data-ack]").forEach((b) => b.addEventListener("click", async () => {
        const note = window.prompt("确认说明(可选)") || "";
        try { await Hub.gql("mutation($id: ID!, $k: String!, $n: String!) { acknowledgeFinding(storyId: $id, key: $k, note: $n) { acknowledged } }", { id, k: b.dataset.ack, n: note }); toast("已确认"); await checks(); }
        catch (err) { failed(err); }
      }));
      markFindings(body, fs.filter((f) => f.match && (!f.field || f.field === "body")).map((f) => f.match));
    }
    await checks();

    // 三校: rounds one after another; the tracked changes of each, per field
    async function proof() {
      const rounds = (await Hub.gql("query($id: ID!) { proofRounds(storyId: $id) { number label proofreader proofreaderName status baseRevision finalRevision note " +
        "changes { field insertedChars deletedChars diff { field before after hunks { op before after beforeStart afterStart } } } } }", { id })).proofRounds;
      const open = rounds.find((r) => r.status === "open");
      $("#proof").innerHTML = (rounds.length ? rounds.map((r) => '<details class="round"' + (r === open || r === rounds[rounds.length - 1] ? " open" : "") + "><summary>" + esc(r.label) + " · " +
        esc(r.proofreaderName || r.proofreader) + " · " + (r.status === "open" ? "校对中" : "已完成") + " · 第 " + r.baseRevision + (r.finalRevision ? "→" + r.finalRevision : "") + " 版</summary>" +
        (r.changes.length ? r.changes.map((c) => '<p class="muted">' + esc(C.FIELD[c.field] || c.field) + ":增 " + c.insertedChars + " 字,删 " + c.deletedChars + " 字</p>" + C.changeHtml(c.diff)).join("")
          : '<p class="muted">本轮暂无改动</p>') + "</details>").join("") : '<p class="muted">尚未开始校对</p>') +
        (open ? (open.proofreader === d.me.subject ? '<div class="row"><button type="button" id="proof-done" class="secondary">完成' + esc(open.label) + "</button></div>" : "")
          : rounds.length < 3 ? '<div class="row"><button type="button" id="proof-start" class="secondary">开始' + ["一校", "二校", "三校"][rounds.length] + "</button></div>" : "");
      const act = async (m, msg) => {
        try { await Hub.gql("mutation($id: ID!) { " + m + "(storyId: $id) { number } }", { id }); toast(msg); await proof(); } catch (err) { failed(err); }
      };
      if ($("#proof-start")) $("#proof-start").addEventListener("click", () => act("startProofRound", "校对已开始,你的修改将记为修订痕迹"));
      if ($("#proof-done")) $("#proof-done").addEventListener("click", async () => { clearTimeout(timer); if (dirty) await save(); act("completeProofRound", "本轮校对已完成"); });
    }
    await proof();
    const onComment = (e) => { if (e.detail.topic === "comment" && e.detail.subjectId === id) loadComments(); };
    document.addEventListener("newsroom", onComment);
    leaveHooks.push(() => document.removeEventListener("newsroom", onComment));

    // 编辑锁: taken on opening, renewed while the page is open, released on leaving
    const editable = (on) => {
      readOnly = !on;
      $$("#story input, #story textarea, #story select, .toolbar button, #save, #submit, #f-cover, #cover-library, #cover input").forEach((x) => { x.disabled = !on; });
      body.contentEditable = on ? "true" : "false";
    };
    async function lockState(retake) {
      let l = (await Hub.gql("query($id: ID!) { storyLock(storyId: $id) { holder holderName expiresAt } }", { id })).storyLock;
      if (!l && retake !== false) {  // free again (released or expired): take it back to go on editing
        try { l = (await Hub.gql("mutation($id: ID!) { acquireStoryLock(storyId: $id) { holder holderName expiresAt } }", { id })).acquireStoryLock; }
        catch (err) { if (err.code === "STORY_LOCKED") return lockState(false); throw err; }
      }
      const banner = $("#lock-banner");
      if (l && l.holder !== d.me.subject) {
        editable(false);
        banner.innerHTML = '<div class="banner warn" role="alert"><p>' + esc(l.holderName || l.holder) + " 正在编辑此稿(编辑锁到期 " + esc(when(l.expiresAt)) + "),你现在只能查看。</p>" +
          '<label for="takeover-reason">接管理由</label><input type="text" id="takeover-reason" value="">' +
          '<div class="row"><button type="button" id="takeover">接管编辑锁</button></div></div>';
        $("#takeover").addEventListener("click", async () => {
          try {
            await Hub.gql("mutation($id: ID!, $r: String!) { takeOverStoryLock(storyId: $id, reason: $r) { holder } }", { id, r: $("#takeover-reason").value || "接管编辑" });
            toast("已接管编辑锁"); await lockState();
          } catch (e2) { failed(e2); }
        });
      } else if (l) {
        if (readOnly) editable(true);
        banner.innerHTML = '<p class="banner info">编辑锁:你正在编辑,锁到期 ' + esc(when(l.expiresAt)) + "(自动续期)</p>";
      }
    }
    await lockState();
    const renew = setInterval(async () => {
      if (readOnly) return;
      try { await Hub.gql("mutation($id: ID!) { renewStoryLock(storyId: $id) { expiresAt } }", { id }); await lockState(); }
      catch (err) { if (err.code === "LOCK_NOT_HELD" || err.code === "STORY_LOCKED") { toast("编辑锁已被他人接管"); await lockState(); } }
    }, 60000);
    const onLock = (e) => { if (e.detail.topic === "story_lock" && e.detail.subjectId === id) lockState(); };
    document.addEventListener("newsroom", onLock);
    leaveHooks.push(() => {
      clearInterval(renew); clearTimeout(timer); document.removeEventListener("newsroom", onLock);
      if (dirty && !readOnly && !correcting) save();
      // leaving the story (not re-showing it): let others edit
      if (!readOnly && location.hash !== "#/story/" + id) Hub.gql("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", { id }).catch(() => {});
    });
  }
  // one <details> per channel that takes texts of its own, open for the chosen ones
  function overrideFields(channels, s) {
    const ov = s.channelOverrides || {};
    return channels.map((c) => {
      const fields = (c.overridable || []).filter((f) => TEXT_OVERRIDES[f]);
      if (!fields.length) return "";
      const mine = ov[c.name] || {};
      const opened = s.channels.includes(c.name) || fields.some((f) => mine[f]);
      return '<details data-channel="' + esc(c.name) + '"' + (opened ? " open" : "") + "><summary>" + esc(c.titleZh) + "</summary>" + fields.map((f) => {
        const fid = "ov-" + c.name + "-" + f; const long = ["text", "digest", "summary", "desc"].includes(f);
        const attrs = ' id="' + esc(fid) + '" data-ov-channel="' + esc(c.name) + '" data-ov-field="' + esc(f) + '"';
        return '<label for="' + esc(fid) + '">' + esc(c.titleZh + TEXT_OVERRIDES[f]) + "</label>" +
          (long ? "<textarea" + attrs + ">" + esc(mine[f] || "") + "</textarea>" : '<input type="text"' + attrs + ' value="' + esc(mine[f] || "") + '">');
      }).join("") + "</details>";
    }).join("");
  }

  // Library pictures keep their asset id; the signed URL they were inserted with expires, so
  // a page showing a body asks for the current one (channels get theirs from the hub).
  async function freshPictures(root) {
    const imgs = $$("img[data-asset-id]", root);
    const ids = Array.from(new Set(imgs.map((i) => i.dataset.assetId)));
    if (!ids.length) return;
    const found = (await Hub.gql("query($ids: [ID!]!) { nodes(ids: $ids) { ... on Asset { id url } } }", { ids })).nodes;
    const url = Object.fromEntries(found.filter(Boolean).map((a) => [a.id, a.url]));
    imgs.forEach((i) => { if (url[i.dataset.assetId]) i.src = url[i.dataset.assetId]; });
  }
  C.freshPictures = freshPictures;

  // 检查发现 in the body: every occurrence of each matched text, by the CSS Custom Highlight API
  function markFindings(root, matches) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    const ranges = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      matches.forEach((m) => {
        for (let at = n.data.indexOf(m); at >= 0; at = n.data.indexOf(m, at + m.length)) {
          const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + m.length); ranges.push(r);
        }
      });
    }
    CSS.highlights.set("finding", new Highlight(...ranges));
  }

  // 媒体库: a modal dialog listing the center's pictures; choose one (or upload a new one),
  // give it a caption, insert it into the body or make it the cover
  function pickerHtml() {
    return '<dialog id="picker" aria-labelledby="picker-h"><h2 id="picker-h">媒体库</h2>' +
      '<form method="dialog" id="picker-form"><div id="picker-list" class="picker-list" role="listbox" aria-label="图片" tabindex="0"></div>' +
      '<label for="picker-upload">上传新图片到媒体库</label><input type="file" id="picker-upload" accept="image/*">' +
      '<label for="picker-caption">图注</label><input type="text" id="picker-caption">' +
      '<div class="row"><button type="button" id="picker-ok" disabled>插入</button><button type="button" id="picker-cancel" class="secondary">取消</button></div></form></dialog>';
  }
  function mediaPicker(opts) {
    const dialog = $("#picker");
    let mode = "body"; let assets = []; let chosen = null;
    const choose = (a) => {
      chosen = a;
      $$("#picker-list [role=option]").forEach((o) => o.setAttribute("aria-selected", String(o.dataset.asset === a.id)));
      $("#picker-caption").value = a.caption || "";
      $("#picker-ok").disabled = false;
    };
    async function load(selectId) {
      assets = (await Hub.gql('{ assets(first: 40, kind: "image") { edges { node { id url alt caption filename width height } } } }')).assets.edges.map((e) => e.node);
      $("#picker-list").innerHTML = assets.length ? assets.map((a) => '<button type="button" role="option" aria-selected="false" data-asset="' + esc(a.id) + '">' +
        '<img src="' + esc(a.url) + '" alt="' + esc(a.alt || a.caption || a.filename || "图片") + '"><span>' + esc(a.caption || a.filename || "") + "</span></button>").join("")
        : '<p class="muted">媒体库里还没有图片,请上传</p>';
      $$("#picker-list [role=option]").forEach((o) => o.addEventListener("click", () => choose(assets.find((a) => a.id === o.dataset.asset))));
      if (selectId) { const a = assets.find((x) => x.id === selectId); if (a) choose(a); }
    }
    $("#picker-upload").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      try {
        const caption = $("#picker-caption").value.trim();
        const a = await Hub.upload(file, Object.assign({ alt: caption || opts.defaultAlt() || file.name }, caption ? { caption } : {}));
        await load(a.id);
        if (caption) $("#picker-caption").value = caption;
        toast("已上传到媒体库");
      } catch (err) { failed(err); }
    });
    $("#picker-cancel").addEventListener("click", () => dialog.close());
    $("#picker-ok").addEventListener("click", async () => {
      if (!chosen) return;
      const caption = $("#picker-caption").value.trim();
      dialog.close();
      try { await opts.chosen(mode, chosen, caption); } catch (err) { failed(err); }
    });
    C.onLeave(() => { if (dialog.open) dialog.close(); });
    return {
      async open(m) {
        mode = m; chosen = null;
        $("#picker-h").textContent = m === "cover" ? "媒体库:选封面" : "媒体库:插入图片";
        $("#picker-ok").textContent = m === "cover" ? "设为封面" : "插入";
        $("#picker-ok").disabled = true; $("#picker-caption").value = ""; $("#picker-upload").value = "";
        dialog.showModal();
        try { await load(); } catch (err) { failed(err); }
      },
    };
  }


  C.register(/^#\/story\/new$/, "new", newStory);
  C.register(/^#\/story\/([\w-]+)$/, "new", editStory);
})();
