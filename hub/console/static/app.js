/* 融汇编辑台 — pages. Everything shown comes from Hub.gql (public GraphQL) and Hub.upload. */
"use strict";

(() => {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const main = $("#main");
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const when = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "");
  const STATUS = { DRAFT: "草稿", IN_REVIEW: "审核中", APPROVED: "已签发", SCHEDULED: "定时发布", PUBLISHED: "已发布", RETRACTED: "已撤稿",
    draft: "草稿", in_review: "审核中", approved: "已签发", returned: "已退回", scheduled: "定时发布", published: "已发布", retracted: "已撤稿" };
  const PUB_STATE = { planned: "待发送", rendering: "生成中", validated: "已校验", delivering: "发送中", submitted: "平台审核中",
    accepted: "平台已接收", rejected: "平台拒绝", failed: "发送失败", live: "已上线", retracted: "已撤稿", cancelled: "已取消" };
  const ASSIGN = { DISPATCHED: "已派单", ACCEPTED: "已接单", IN_PROGRESS: "采写中", FILED: "已交稿", DECLINED: "已拒绝", CANCELLED: "已取消" };
  let me = null;
  let stopLive = null;
  let leaveHooks = [];

  function toast(text) { const t = $("#toast"); t.textContent = text; clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.textContent = ""; }, 6000); }
  function failed(err) { toast(err && err.message ? err.message : String(err)); }
  function page(title, html) {
    if (!me) return;  // signed out while this page was loading
    main.innerHTML = "<h1>" + esc(title) + "</h1>" + html;
    document.title = title + " · 融汇编辑台";
    main.focus();
  }
  const roles = () => new Set(((me && me.grants) || []).map((g) => g.role));
  const can = {
    review: () => ["reviewer", "chief_editor", "admin"].some((r) => roles().has(r)),
    admin: () => ["admin", "platform_admin"].some((r) => roles().has(r)),
    dispatch: () => ["editor", "chief_editor", "admin"].some((r) => roles().has(r)),
    plan: () => ["reporter", "reviewer", "editor", "chief_editor", "admin", "platform_admin"].some((r) => roles().has(r)),
  };
  function denied() { page("无权访问", '<p class="banner bad">你的账号没有访问此页面的权限。如需使用,请联系中心管理员。</p><p><a href="#/">返回工作台</a></p>'); }

  // ---------------------------------------------------------------- sign-in
  function showLogin(message) {
    me = null;
    if (stopLive) { stopLive(); stopLive = null; }
    $("#top").hidden = true;
    document.title = "登录 · 融汇编辑台";
    main.innerHTML = '<form class="card login" id="login"><h1>融汇编辑台</h1>' +
      (message ? '<p class="banner warn" role="alert">' + esc(message) + "</p>" : "") +
      '<label for="login-user">用户名</label><input type="text" id="login-user" name="username" autocomplete="username" required>' +
      '<label for="login-pass">密码</label><input type="password" id="login-pass" name="password" autocomplete="current-password" required>' +
      '<div class="row"><button type="submit">登录</button></div></form>';
    $("#login").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await Hub.signIn($("#login-user").value.trim(), $("#login-pass").value);
        await start();
      } catch (err) { showLogin(err.message); }
    });
    $("#login-user").focus();
  }
  Hub.onSignedOut = () => showLogin("登录已过期,请重新登录。");

  async function start() {
    let data;
    try { data = await Hub.gql("{ me { kind subject grants { role stage stageLabel label } } tenant { name } }"); } catch (err) { return showLogin(); }
    if (!data.me.subject) return showLogin();
    me = data.me;
    $("#top").hidden = false;
    const ROLE = { reporter: "记者", editor: "编辑", reviewer: "审核", chief_editor: "总编辑", channel_operator: "渠道运营",
      account_operator: "融媒号运营", admin: "管理员", platform_admin: "平台管理员", correspondent: "通讯员" };
    $("#who").textContent = (data.tenant ? data.tenant.name + " · " : "") +
      me.grants.map((g) => (g.stageLabel ? g.stageLabel : "") + (ROLE[g.role] || g.label)).join("、");
    $$("[data-need]").forEach((a) => { a.hidden = !can[a.dataset.need](); });
    if (!stopLive) stopLive = Hub.live(null, (ev) => document.dispatchEvent(new CustomEvent("newsroom", { detail: ev })));
    route();
  }

  $("#sign-out").addEventListener("click", async () => { await Hub.signOut(); showLogin("已退出登录。"); });
  $("#menu-toggle").addEventListener("click", (e) => {
    const open = $("#nav").classList.toggle("open"); e.currentTarget.setAttribute("aria-expanded", String(open));
  });

  // ---------------------------------------------------------------- routing
  const routes = [
    [/^#?\/?$/, "home", home],
    [/^#\/story\/new$/, "new", newStory],
    [/^#\/story\/([\w-]+)$/, "new", editStory],
    [/^#\/review$/, "review", reviewQueue],
    [/^#\/review\/([\w-]+)$/, "review", reviewStory],
    [/^#\/publish\/([\w-]+)$/, "", publications],
    [/^#\/preview\/([\w-]+)$/, "", preview],
    [/^#\/dispatch$/, "dispatch", dispatch],
    [/^#\/search$/, "search", search],
    [/^#\/admin$/, "admin", admin],
  ];
  // Renders run one after another: a slower earlier one (a live refresh) never paints over
  // a later one with older data.
  let chain = Promise.resolve();
  let pending = 0;
  function serial(fn) {
    pending += 1; main.setAttribute("aria-busy", "true");
    chain = chain.then(fn, fn).catch(failed).finally(() => { pending -= 1; if (!pending) main.removeAttribute("aria-busy"); });
    return chain;
  }
  function route() { return serial(routeNow); }
  async function routeNow() {
    if (!me) return;
    leaveHooks.forEach((f) => f()); leaveHooks = [];
    $("#nav").classList.remove("open");
    const hash = location.hash || "#/";
    for (const [re, nav, fn] of routes) {
      const m = hash.match(re);
      if (!m) continue;
      $$("[data-nav]").forEach((a) => { if (a.dataset.nav === nav) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current"); });
      try { await fn(...m.slice(1)); } catch (err) { page("出错了", '<p class="banner bad" role="alert">' + esc(err.message) + "</p>"); }
      return;
    }
    page("找不到页面", '<p><a href="#/">返回工作台</a></p>');
  }
  window.addEventListener("hashchange", route);
  // Live pages re-render on newsroom events, except while someone is filling a form there:
  // then a button offers the update instead of wiping what they typed.
  function busy() {
    const a = document.activeElement;
    if (a && main.contains(a) && a.matches("input, textarea, select, [contenteditable]")) return true;
    return $$("input[type=text], input[type=search], textarea", main).some((x) => x.value.trim());
  }
  function onNewsroom(fn) {
    let timer = null;
    const refresh = () => {
      if (!busy()) return serial(fn);
      if ($("#live-update")) return;
      main.insertAdjacentHTML("afterbegin", '<p class="banner info"><button type="button" id="live-update" class="secondary">有新动态,点击刷新</button></p>');
      $("#live-update").addEventListener("click", () => serial(fn));
    };
    const h = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
    document.addEventListener("newsroom", h);
    leaveHooks.push(() => { document.removeEventListener("newsroom", h); clearTimeout(timer); });
  }

  // ---------------------------------------------------------------- 工作台
  async function home() {
    const plans = can.plan();  // a 融媒号 operator or correspondent has no assignments
    const q = "{ " + (plans ? "assignments(first: 50, filter: {mine: true}) { edges { node { id deadline status overdue note kind topic { title } storyId } } }" : "") +
      " stories(first: 20, filter: {mine: true}) { edges { node { id title status updatedAt version } } }" +
      " myNotifications(first: 20) { id kind text storyId createdAt read } }";
    const d = await Hub.gql(q);
    const queue = can.review() ? (await Hub.gql("{ reviewQueue { storyId currentStage { name } revision } }")).reviewQueue : null;
    const titles = queue && queue.length ? await storyTitles(queue.map((r) => r.storyId)) : {};
    const assignments = (plans ? d.assignments.edges : []).map((e) => e.node).filter((a) => !["FILED", "CANCELLED", "DECLINED"].includes(a.status));
    page("工作台",
      '<div class="grid">' +
      (plans ? '<section class="card" aria-labelledby="h-assign"><h2 id="h-assign">我的派单</h2>' : "") + (plans ? list(assignments, (a) =>
        esc(a.topic ? a.topic.title : a.note) + ' <span class="' + (a.overdue ? "late" : "muted") + '">截止 ' + esc(when(a.deadline)) +
        (a.overdue ? "(已逾期)" : "") + "</span> · " + esc(ASSIGN[a.status] || a.status) +
        (a.storyId ? ' · <a href="#/story/' + esc(a.storyId) + '">稿件</a>'
          : a.status === "DISPATCHED" ? ' <button type="button" class="secondary" data-accept-assignment="' + esc(a.id) + '">接单</button>'
          : a.status === "ACCEPTED" ? ' <button type="button" class="secondary" data-start-assignment="' + esc(a.id) + '">开始采写</button>'
          : ' · <a href="#/story/new" data-assignment="' + esc(a.id) + '">写稿</a>')) + "</section>" : "") +
      '<section class="card" aria-labelledby="h-drafts"><h2 id="h-drafts">我的稿件</h2>' + list(d.stories.edges.map((e) => e.node), (s) =>
        '<a href="#/story/' + esc(s.id) + '">' + esc(s.title) + "</a> <span class=\"muted\">" + esc(STATUS[s.status] || s.status) + " · " + esc(when(s.updatedAt)) + "</span>") + "</section>" +
      (queue ? '<section class="card" aria-labelledby="h-queue"><h2 id="h-queue">待我审核</h2>' + list(queue, (r) =>
        '<a href="#/review/' + esc(r.storyId) + '">' + esc(titles[r.storyId] || r.storyId) + "</a> <span class=\"muted\">" + esc(r.currentStage ? r.currentStage.name : "") + "</span>") + "</section>" : "") +
      '<section class="card" aria-labelledby="h-notes"><h2 id="h-notes">通知与@提及</h2>' + list(d.myNotifications, (n) =>
        (n.read ? "" : "<strong>新</strong> ") + esc(n.text) + (n.storyId ? ' <a href="#/story/' + esc(n.storyId) + '">查看</a>' : "") + ' <span class="muted">' + esc(when(n.createdAt)) + "</span>") + "</section>" +
      "</div>");
    const move = (attr, m, msg) => $$("[" + attr + "]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!) { " + m + "(id: $id) { id } }", { id: b.getAttribute(attr) }); toast(msg); route(); } catch (err) { failed(err); }
    }));
    move("data-accept-assignment", "acceptAssignment", "已接单");
    move("data-start-assignment", "startAssignment", "已开始采写");
    $$("[data-assignment]").forEach((a) => a.addEventListener("click", (e) => { e.preventDefault(); sessionStorage.setItem("assignment", a.dataset.assignment); location.hash = "#/story/new"; }));
    onNewsroom(home);
  }
  function list(items, render) { return items.length ? "<ul>" + items.map((i) => "<li>" + render(i) + "</li>").join("") + "</ul>" : '<p class="muted">暂无</p>'; }
  async function storyTitles(ids) {
    const out = {};
    await Promise.all(ids.map(async (id) => { try { const s = (await Hub.gql("query($id: ID!) { story(id: $id) { title } }", { id })).story; if (s) out[id] = s.title; } catch (e) { /* shown by id */ } }));
    return out;
  }

  // ---------------------------------------------------------------- 稿件编辑
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
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { " + STORY_FIELDS + " } columns { id name } channels { name titleZh } me { subject } }", { id });
    if (!d.story) return page("找不到稿件", "");
    const s = d.story;
    let version = s.version;
    let dirty = false; let saving = false; let readOnly = false;
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
      '<input type="file" id="f-image" accept="image/*" hidden aria-label="选择插图">' +
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
      '<fieldset><legend>渠道专用文本</legend><label for="f-douyin">抖音短文案</label><textarea id="f-douyin">' + esc(((s.channelOverrides || {}).douyin || {}).text || "") + "</textarea>" +
      '<label for="f-wechat">公众号摘要</label><textarea id="f-wechat">' + esc(((s.channelOverrides || {}).wechat || {}).digest || "") + "</textarea></fieldset>" +
      "</form>" +
      '<aside class="card"><h2>封面</h2><div id="cover">' + coverHtml(s.cover) + '</div><label for="f-cover">上传封面图</label><input type="file" id="f-cover" accept="image/*">' +
      '<p class="status-line" id="save-state" role="status">版本 ' + version + " · " + esc(STATUS[s.status] || s.status) + "</p>" +
      '<div class="row"><button type="button" id="save">保存</button><button type="button" id="submit" class="secondary">送审</button></div>' +
      '<p><a href="#/preview/' + esc(id) + '">多渠道预览</a> · <a href="#/publish/' + esc(id) + '">发布情况</a></p>' +
      '<h2>批注</h2><div id="comments"></div><form id="comment-form"><label for="comment-text">批注(用 @用户名 提醒同事)</label>' +
      '<textarea id="comment-text"></textarea><div class="row"><button type="submit" class="secondary">发表批注</button></div></form></aside></div>');

    const body = $("#f-body");
    const state = $("#save-state");
    const setState = (text) => { state.textContent = text; };
    const collect = () => ({
      id, expectedVersion: version, title: $("#f-title").value, subtitle: $("#f-subtitle").value, summary: $("#f-summary").value,
      body: body.innerHTML, columnId: $("#f-column").value || null,
      tags: $("#f-tags").value.split(/[,,]/).map((t) => t.trim()).filter(Boolean),
      source: { sourceName: $("#f-source").value || null, originalAuthor: $("#f-author").value || null, originalTitle: $("#f-otitle").value || null, reprint: $("#f-reprint").checked },
      channels: $$("input[name=channel]:checked").map((c) => c.value),
      channelOverrides: overrides(),
    });
    function overrides() {
      const o = {};
      if ($("#f-douyin").value.trim()) o.douyin = { text: $("#f-douyin").value.trim() };
      if ($("#f-wechat").value.trim()) o.wechat = { digest: $("#f-wechat").value.trim() };
      return o;
    }
    async function save(input) {
      if (saving || readOnly) return;
      saving = true; setState("正在保存……");
      try {
        const u = (await Hub.gql("mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version status } }", { i: input || collect() })).updateStory;
        version = u.version; dirty = false; setState("已保存 · 版本 " + version + " · " + (STATUS[u.status] || u.status));
      } catch (err) {
        if (err.code === "VERSION_CONFLICT") return showConflict(err);
        if (err.code === "STORY_LOCKED") await lockState();
        setState("未保存:" + err.message);
      } finally { saving = false; }
    }
    async function showConflict(err) {
      setState("未保存:版本冲突");
      const theirs = (await Hub.gql("query($id: ID!) { story(id: $id) { title body version } }", { id })).story;
      const mine = collect();
      $("#conflict").innerHTML = '<section class="banner bad" role="alert" aria-labelledby="conflict-h"><h2 id="conflict-h">版本冲突</h2><p>' + esc(err.message) + "</p>" +
        '<div class="conflict"><div class="card"><h3>我的修改</h3><p><strong>' + esc(mine.title) + "</strong></p><div>" + mine.body + "</div></div>" +
        '<div class="card"><h3>最新版本(版本 ' + theirs.version + ')</h3><p><strong>' + esc(theirs.title) + "</strong></p><div>" + theirs.body + "</div></div></div>" +
        '<div class="row"><button type="button" id="keep-mine">保留我的修改(覆盖最新版本)</button><button type="button" id="take-theirs" class="secondary">放弃我的修改,载入最新版本</button></div></section>';
      $("#keep-mine").focus();
      $("#keep-mine").addEventListener("click", async () => { version = theirs.version; $("#conflict").innerHTML = ""; await save(Object.assign(mine, { expectedVersion: theirs.version })); });
      $("#take-theirs").addEventListener("click", () => { $("#conflict").innerHTML = ""; dirty = false; route(); });
    }
    let timer = null;
    const changed = () => { dirty = true; setState("有未保存的修改"); clearTimeout(timer); timer = setTimeout(() => save(), 2000); };
    $("#story").addEventListener("input", changed);
    $("#story").addEventListener("change", changed);
    $("#save").addEventListener("click", () => { clearTimeout(timer); save(); });
    $("#submit").addEventListener("click", async () => {
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
      else if (b.dataset.cmd === "image") $("#f-image").click();
      else document.execCommand(b.dataset.cmd, false, b.dataset.arg || null);
      changed();
    }));
    $("#f-image").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      const caption = prompt("图注") || "";
      try {
        const a = await Hub.upload(file, { caption, alt: caption || file.name });
        const url = (await Hub.gql("query($id: ID!) { asset(id: $id) { url } }", { id: a.id })).asset.url;
        body.focus();
        document.execCommand("insertHTML", false, '<figure><img src="' + esc(url) + '" alt="' + esc(caption) + '" data-asset-id="' + esc(a.id) + '"><figcaption>' + esc(caption) + "</figcaption></figure><p></p>");
        changed();
      } catch (err) { failed(err); }
    });
    $("#f-cover").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      try {
        setState("正在上传封面……");
        const a = await Hub.upload(file, { alt: $("#f-title").value });
        const input = collect(); input.coverAssetId = a.id;
        await save(input);
        const c = (await Hub.gql("query($id: ID!) { story(id: $id) { cover { id url focalX focalY } } }", { id })).story.cover;
        $("#cover").innerHTML = coverHtml(c); bindFocal(c);
      } catch (err) { failed(err); }
    });
    function bindFocal(c) {
      const img = $("#cover img"); if (!img || !c) return;
      img.addEventListener("click", async (e) => {
        const r = img.getBoundingClientRect();
        const fx = Math.round(((e.clientX - r.left) / r.width) * 100) / 100; const fy = Math.round(((e.clientY - r.top) / r.height) * 100) / 100;
        try { await Hub.gql("mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { id } }", { i: { id: c.id, focalX: fx, focalY: fy } }); toast("焦点已设为 " + fx + "," + fy); } catch (err) { failed(err); }
      });
    }
    bindFocal(s.cover);

    async function loadComments() {
      const cs = (await Hub.gql("query($id: ID!) { comments(storyId: $id, includeResolved: false) { id authorName author text createdAt unknownMentions replies { authorName text } } }", { id })).comments;
      $("#comments").innerHTML = list(cs, (c) => "<strong>" + esc(c.authorName || c.author) + "</strong>:" + esc(c.text) + ' <span class="muted">' + esc(when(c.createdAt)) + "</span>" +
        (c.unknownMentions.length ? ' <span class="late">找不到用户:' + esc(c.unknownMentions.join("、")) + "</span>" : "") +
        c.replies.map((r) => "<div>↳ " + esc(r.authorName || "") + ":" + esc(r.text) + "</div>").join(""));
    }
    $("#comment-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("#comment-text").value.trim(); if (!text) return;
      try { await Hub.gql("mutation($i: AddCommentInput!) { addComment(input: $i) { id } }", { i: { storyId: id, text } }); $("#comment-text").value = ""; await loadComments(); }
      catch (err) { failed(err); }
    });
    await loadComments();
    const onComment = (e) => { if (e.detail.topic === "comment" && e.detail.subjectId === id) loadComments(); };
    document.addEventListener("newsroom", onComment);
    leaveHooks.push(() => document.removeEventListener("newsroom", onComment));

    // 编辑锁: taken on opening, renewed while the page is open, released on leaving
    const editable = (on) => {
      readOnly = !on;
      $$("#story input, #story textarea, #story select, .toolbar button, #save, #submit, #f-cover").forEach((x) => { x.disabled = !on; });
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
      if (dirty && !readOnly) save();
      // leaving the story (not re-showing it): let others edit
      if (!readOnly && location.hash !== "#/story/" + id) Hub.gql("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", { id }).catch(() => {});
    });
  }
  function coverHtml(c) { return c && c.url ? '<img class="cover" src="' + esc(c.url) + '" alt="封面(点击图片设置焦点)">' : '<p class="muted">尚无封面</p>'; }

  // ---------------------------------------------------------------- 审核
  async function reviewQueue() {
    if (!can.review()) return denied();
    const q = (await Hub.gql("{ reviewQueue { storyId revision currentStage { name } chain } }")).reviewQueue;
    const titles = await storyTitles(q.map((r) => r.storyId));
    page("审核", '<section class="card"><h2>待我审核</h2>' + list(q, (r) => '<a href="#/review/' + esc(r.storyId) + '">' + esc(titles[r.storyId] || r.storyId) + "</a> <span class=\"muted\">" +
      esc(r.currentStage ? r.currentStage.name : "") + " · 第 " + r.revision + " 版</span>") + "</section>");
    onNewsroom(reviewQueue);
  }

  async function reviewStory(id) {
    if (!can.review()) return denied();
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { id title subtitle summary body status version revisions { number } cover { url } } " +
      "reviewRound(storyId: $id) { status revision currentStage { key name } stages { key name } signOffs { stage decision opinion revision at } returnReason } storyChecks(id: $id) { key message blocking acknowledged match } }", { id });
    const s = d.story; const r = d.reviewRound;
    const revs = s.revisions.map((x) => x.number).sort((a, b) => a - b);
    const isFinal = r && r.currentStage && r.stages.length && r.stages[r.stages.length - 1].key === r.currentStage.key;
    page("审核:" + s.title,
      (r ? '<p class="banner info">' + esc(STATUS[r.status] || r.status) + (r.currentStage ? " · 当前:" + esc(r.currentStage.name) : "") + " · 第 " + r.revision + " 版</p>" : "") +
      '<div class="cols"><article class="card article"><h2>' + esc(s.title) + "</h2>" + (s.subtitle ? "<p><strong>" + esc(s.subtitle) + "</strong></p>" : "") +
      (s.cover ? '<img src="' + esc(s.cover.url) + '" alt="封面">' : "") + (s.summary ? '<p class="muted">' + esc(s.summary) + "</p>" : "") + s.body + "</article>" +
      '<aside class="card"><h2>审核意见</h2>' + (d.storyChecks.length ? "<h3>检查发现</h3><ul>" + d.storyChecks.map((c) => '<li class="' + (c.blocking && !c.acknowledged ? "late" : "") + '">' +
        (c.match ? "<mark>" + esc(c.match) + "</mark> " : "") + esc(c.message) + (c.acknowledged ? "(已确认)" : ' <button type="button" class="secondary" data-ack="' + esc(c.key) + '">确认</button>') + "</li>").join("") + "</ul>" : "") +
      '<label for="opinion">意见</label><textarea id="opinion"></textarea>' +
      (isFinal ? '<label for="publish-at">定时发布(可选)</label><input type="datetime-local" id="publish-at">' : "") +
      '<div class="row"><button type="button" id="approve">' + (isFinal ? "签发" : "通过") + '</button><button type="button" id="return" class="secondary">退回</button></div>' +
      "<h2>签审记录</h2>" + list(r ? r.signOffs : [], (o) => esc(o.stage) + " " + (o.decision === "approve" || o.decision === "APPROVE" ? "通过" : "退回") + ":" + esc(o.opinion || "") + ' <span class="muted">' + esc(when(o.at)) + "</span>") +
      "<h2>修改对比</h2>" + (revs.length > 1 ? '<div class="row"><label for="diff-from" class="inline">从第</label><select id="diff-from">' + revs.map((n) => "<option" + (n === revs[revs.length - 2] ? " selected" : "") + ">" + n + "</option>").join("") +
        '</select><label for="diff-to" class="inline">版到第</label><select id="diff-to">' + revs.map((n) => "<option" + (n === revs[revs.length - 1] ? " selected" : "") + ">" + n + "</option>").join("") + '</select><button type="button" id="diff" class="secondary">对比</button></div><div id="diff-out"></div>' : '<p class="muted">只有一个版本</p>') +
      "</aside></div>");
    async function decide(decision) {
      try {
        const out = (await Hub.gql("mutation($id: ID!, $d: ReviewDecision!, $o: String!, $r: Int, $p: DateTime) { signOff(storyId: $id, decision: $d, opinion: $o, expectedRevision: $r, publishAt: $p) { status currentStage { name } } }",
          { id, d: decision, o: $("#opinion").value, r: r ? r.revision : null, p: $("#publish-at") && $("#publish-at").value ? new Date($("#publish-at").value).toISOString() : null })).signOff;
        toast(decision === "RETURN" ? "已退回" : ["approved", "scheduled"].includes(out.status) ? "已签发" : "已通过,转" + (out.currentStage ? out.currentStage.name : ""));
        location.hash = "#/review";
      } catch (err) { failed(err); }
    }
    $$("[data-ack]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!, $k: String!) { acknowledgeFinding(storyId: $id, key: $k) { acknowledged } }", { id, k: b.dataset.ack }); toast("已确认"); route(); } catch (err) { failed(err); }
    }));
    $("#approve").addEventListener("click", () => decide("APPROVE"));
    $("#return").addEventListener("click", () => { if (!$("#opinion").value.trim()) { toast("退回请填写意见"); $("#opinion").focus(); return; } decide("RETURN"); });
    if ($("#diff")) $("#diff").addEventListener("click", async () => {
      const df = (await Hub.gql("query($id: ID!, $f: Int!, $t: Int!) { diffStory(id: $id, fromRevision: $f, toRevision: $t) { changes { field before after } } }",
        { id, f: +$("#diff-from").value, t: +$("#diff-to").value })).diffStory;
      $("#diff-out").innerHTML = list(df.changes, (c) => "<strong>" + esc(c.field) + "</strong>:<del>" + esc(c.before || "") + "</del> <ins>" + esc(c.after || "") + "</ins>");
    });
  }

  // ---------------------------------------------------------------- 发布
  async function publications(id) {
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { title version status } publications(storyId: $id) { id channel state externalId url lastError revision updatedAt ledger { at toState note } } channels { name titleZh } }", { id });
    const names = Object.fromEntries(d.channels.map((c) => [c.name, c.titleZh]));
    page("发布:" + d.story.title, '<p class="muted">稿件状态:' + esc(STATUS[d.story.status] || d.story.status) + "</p>" +
      '<div class="scroll" tabindex="0" role="region" aria-label="表格,可左右滚动"><table><caption class="muted">各渠道发布情况</caption><thead><tr><th scope="col">渠道</th><th scope="col">状态</th><th scope="col">平台编号</th><th scope="col">错误</th><th scope="col">记录</th><th scope="col">操作</th></tr></thead><tbody>' +
      d.publications.map((p) => '<tr data-channel="' + esc(p.channel) + '"><td>' + esc(names[p.channel] || p.channel) + '</td><td class="state-' + esc(p.state) + '">' + esc(PUB_STATE[p.state] || p.state) + "</td><td>" +
        (p.url ? '<a href="' + esc(p.url) + '">' + esc(p.externalId || "查看") + "</a>" : esc(p.externalId || "")) + "</td><td>" + esc(p.lastError || "") + "</td><td><details><summary>" + p.ledger.length + " 条</summary>" +
        list(p.ledger, (l) => esc(when(l.at)) + " " + esc(PUB_STATE[l.toState] || l.toState) + " " + esc(l.note || "")) + "</details></td>" +
        '<td><button type="button" class="secondary" data-replay="' + esc(p.id) + '">重新发送</button></td></tr>').join("") + "</tbody></table></div>" +
      (d.publications.length ? "" : '<p class="muted">尚未发布到任何渠道</p>') +
      '<section class="card"><h2>撤稿</h2><label for="takedown-reason">撤稿理由</label><input type="text" id="takedown-reason"><div class="row"><button type="button" id="takedown">申请撤稿</button></div></section>');
    $$("[data-replay]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!) { replayPublication(id: $id) { state } }", { id: b.dataset.replay }); toast("已重新排队发送"); route(); } catch (err) { failed(err); }
    }));
    $("#takedown").addEventListener("click", async () => {
      try {
        const t = (await Hub.gql("mutation($id: ID!, $v: Int!, $r: String!) { requestTakedown(storyId: $id, expectedVersion: $v, reason: $r) { takenDown } }",
          { id, v: d.story.version, r: $("#takedown-reason").value || "撤稿" })).requestTakedown;
        toast(t.takenDown ? "已撤稿" : "撤稿申请已提交审核"); route();
      } catch (err) { failed(err); }
    });
    onNewsroom(() => publications(id));
  }

  // ---------------------------------------------------------------- 多渠道预览
  async function preview(id) {
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { title } previewStory(id: $id) { channel fields overridden deliverable problems { messageZh blocking } } channels { name titleZh } }", { id });
    const names = Object.fromEntries(d.channels.map((c) => [c.name, c.titleZh]));
    page("多渠道预览:" + d.story.title, '<div class="previews">' + d.previewStory.map((v) => {
      const f = v.fields || {};
      return '<section class="preview ' + esc(v.channel) + '" aria-label="' + esc(names[v.channel] || v.channel) + '预览"><h2>' + esc(names[v.channel] || v.channel) + "</h2>" +
        "<h3>" + esc(f.title || "") + "</h3>" + (f.digest || f.summary ? '<p class="digest">' + esc(f.digest || f.summary) + "</p>" : "") +
        (f.body ? '<div class="article">' + String(f.body) + "</div>" : "") +
        (v.problems.length ? '<ul class="' + (v.deliverable ? "" : "late") + '">' + v.problems.map((p) => "<li>" + esc(p.messageZh) + "</li>").join("") + "</ul>" : '<p class="muted">无问题</p>') + "</section>";
    }).join("") + "</div>");
  }

  // ---------------------------------------------------------------- 指挥调度
  async function dispatch() {
    if (!can.dispatch()) return denied();
    const d = await Hub.gql("{ dispatchBoard { leadsAwaitingTriage { id title } unstaffedTopics { id title } late { id topic { title } deadline } people { person { id displayName } open { id topic { title } deadline status } } } " +
      "topics(first: 50) { edges { node { id title status } } } leads(first: 50, filter: {status: ACCEPTED}) { edges { node { id title } } } users { id username displayName disabled } }");
    const b = d.dispatchBoard;
    const topics = d.topics.edges.map((e) => e.node);
    page("指挥调度", '<div class="board">' +
      '<section class="card"><h2>待处理线索</h2>' + list(b.leadsAwaitingTriage, (l) => esc(l.title) + ' <button type="button" class="secondary" data-accept="' + esc(l.id) + '">采纳</button>') +
        '<form id="lead"><label for="lead-title">新线索</label><input type="text" id="lead-title" required><div class="row"><button type="submit">登记</button></div></form></section>' +
      '<section class="card"><h2>选题</h2>' + list(topics, (t) => esc(t.title) + ' <span class="muted">' + esc(t.status) + "</span>" + (t.status === "PROPOSED" ? ' <button type="button" class="secondary" data-approve="' + esc(t.id) + '">批准</button>' : "")) +
        '<form id="topic"><label for="topic-title">新选题</label><input type="text" id="topic-title" required>' +
        '<label for="topic-lead">关联线索</label><select id="topic-lead"><option value="">(无)</option>' + d.leads.edges.map((e) => '<option value="' + esc(e.node.id) + '">' + esc(e.node.title) + "</option>").join("") + "</select>" +
        '<div class="row"><button type="submit">报题</button></div></form></section>' +
      '<section class="card"><h2>派单</h2><form id="assign"><label for="as-topic">选题</label><select id="as-topic">' + topics.filter((t) => t.status === "APPROVED").map((t) => '<option value="' + esc(t.id) + '">' + esc(t.title) + "</option>").join("") + "</select>" +
        '<label for="as-user">记者</label><select id="as-user">' + d.users.filter((u) => !u.disabled).map((u) => '<option value="' + esc(u.id) + '">' + esc(u.displayName + "(" + u.username + ")") + "</option>").join("") + "</select>" +
        '<label for="as-deadline">截止时间</label><input type="datetime-local" id="as-deadline" required><div class="row"><button type="submit">派单</button></div></form></section>' +
      '<section class="card"><h2>逾期</h2>' + list(b.late, (a) => esc(a.topic ? a.topic.title : a.id) + ' <span class="late">' + esc(when(a.deadline)) + "</span>") +
        "<h2>人员</h2>" + list(b.people, (p) => esc(p.person.displayName || p.person.id) + ":" + p.open.length + " 项" + p.open.map((a) =>
          ' <button type="button" class="secondary" data-reassign="' + esc(a.id) + '">改派「' + esc(a.topic ? a.topic.title : "") + "」</button>").join("")) + "</section></div>");
    const act = async (q, v, msg) => { try { await Hub.gql(q, v); toast(msg); route(); } catch (err) { failed(err); } };
    $$("[data-accept]").forEach((x) => x.addEventListener("click", () => act("mutation($id: ID!) { acceptLead(id: $id) { id } }", { id: x.dataset.accept }, "已采纳")));
    $$("[data-approve]").forEach((x) => x.addEventListener("click", () => act("mutation($id: ID!) { approveTopic(id: $id) { id } }", { id: x.dataset.approve }, "选题已批准")));
    $$("[data-reassign]").forEach((x) => x.addEventListener("click", () => {
      const who = prompt("改派给(用户编号)"); if (!who) return;
      act("mutation($id: ID!, $a: [ID!]!, $r: String!) { reassignAssignment(id: $id, assignees: $a, reason: $r) { id } }", { id: x.dataset.reassign, a: [who], r: "改派" }, "已改派");
    }));
    $("#lead").addEventListener("submit", (e) => { e.preventDefault(); act("mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", { i: { title: $("#lead-title").value, source: "CITIZEN" } }, "线索已登记"); });
    $("#topic").addEventListener("submit", (e) => { e.preventDefault(); act("mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id } }", { i: { title: $("#topic-title").value, leadIds: $("#topic-lead").value ? [$("#topic-lead").value] : [] } }, "已报题"); });
    $("#assign").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }",
        { i: { topicId: $("#as-topic").value, assignees: [$("#as-user").value], deadline: new Date($("#as-deadline").value).toISOString() } }, "已派单");
    });
    onNewsroom(dispatch);
  }

  // ---------------------------------------------------------------- 检索
  async function search() {
    page("检索", '<form id="search" role="search" class="row"><label for="q" class="inline">关键词</label><input type="search" id="q" class="grow"><button type="submit">搜索</button></form><div id="results"></div>');
    $("#search").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const r = (await Hub.gql("query($q: String!) { search(query: $q, first: 20) { totalCount facets { field values { value count } } edges { node { story { id title status } highlights { field fragments } } } } }", { q: $("#q").value })).search;
        $("#results").innerHTML = "<p>共 " + r.totalCount + " 篇</p>" +
          '<div class="cols"><div>' + list(r.edges.map((x) => x.node), (n) => '<a href="#/story/' + esc(n.story.id) + '">' + esc(n.story.title) + "</a> <span class=\"muted\">" + esc(STATUS[n.story.status] || n.story.status) + "</span>" +
            n.highlights.map((h) => "<div>" + h.fragments.map((f) => esc(f).replace(/&lt;(\/?)mark&gt;/g, "<$1mark>").replace(/&lt;(\/?)em&gt;/g, "<$1mark>")).join(" … ") + "</div>").join("")) + "</div>" +
          '<aside class="card"><h2>分面</h2>' + r.facets.map((f) => "<h3>" + esc(f.field) + "</h3>" + list(f.values, (v) => esc(v.value) + "(" + v.count + ")")).join("") + "</aside></div>";
      } catch (err) { failed(err); }
    });
  }

  // ---------------------------------------------------------------- 管理
  async function admin() {
    if (!can.admin()) return denied();
    const d = await Hub.gql("{ users { id username displayName disabled grants { label } } reviewChains { id name stages { name } channels } channels { name titleZh } }");
    page("管理", '<div class="grid"><section class="card"><h2>用户与角色</h2><div class="scroll" tabindex="0" role="region" aria-label="表格,可左右滚动"><table><thead><tr><th scope="col">用户名</th><th scope="col">姓名</th><th scope="col">角色</th><th scope="col">状态</th></tr></thead><tbody>' +
      d.users.map((u) => "<tr><td>" + esc(u.username) + "</td><td>" + esc(u.displayName) + "</td><td>" + esc((u.grants || []).map((g) => g.label).join("、")) + "</td><td>" + (u.disabled ? "已停用" : "正常") + "</td></tr>").join("") + "</tbody></table></div>" +
      '<form id="new-user"><h3>新建用户</h3><label for="nu-name">用户名</label><input type="text" id="nu-name" required><label for="nu-display">姓名</label><input type="text" id="nu-display" required>' +
      '<label for="nu-pass">初始密码</label><input type="password" id="nu-pass" autocomplete="new-password" required><label for="nu-grants">角色(如 reporter, reviewer:first,用逗号分隔)</label><input type="text" id="nu-grants">' +
      '<div class="row"><button type="submit">创建</button></div></form></section>' +
      '<section class="card"><h2>审核流程</h2>' + list(d.reviewChains, (c) => esc(c.name) + ":" + c.stages.map((s) => esc(s.name)).join(" → ")) +
      "<h2>渠道</h2>" + list(d.channels, (c) => esc(c.titleZh) + ' <span class="muted">' + esc(c.name) + "</span>") +
      '<form id="words"><h2>敏感词</h2><label for="words-list">敏感词(每行一个)</label><textarea id="words-list"></textarea><div class="row"><button type="submit">保存敏感词</button></div></form></section></div>');
    $("#new-user").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await Hub.gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }", { i: { username: $("#nu-name").value, displayName: $("#nu-display").value, password: $("#nu-pass").value,
          grants: $("#nu-grants").value.split(/[,,]/).map((g) => g.trim()).filter(Boolean) } });
        toast("用户已创建"); route();
      } catch (err) { failed(err); }
    });
    $("#words").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const n = (await Hub.gql("mutation($w: [SensitiveWordInput!]!) { setSensitiveWords(words: $w) }", { w: $("#words-list").value.split("\n").map((t) => t.trim()).filter(Boolean).map((text) => ({ text })) })).setSensitiveWords;
        toast("已保存 " + n + " 个敏感词");
      } catch (err) { failed(err); }
    });
  }

  // Pages in other files (console/*.js, loaded after this one) add their routes here;
  // they get the same helpers the pages in this file use.
  window.Console = {
    register(re, nav, fn) { routes.push([re, nav, fn]); },
    can, page, denied, esc, when, toast, failed, route, serial, onNewsroom, $, $$, STATUS, PUB_STATE,
    me: () => me,
    onLeave(fn) { leaveHooks.push(fn); },
  };
  // Deferred page scripts run before DOMContentLoaded: every route is registered by then.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
