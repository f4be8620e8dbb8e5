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
        (n.read ? "" : "<strong>新</strong> ") + esc(n.text) + (n.storyId ? ' <a href="#/story/' + esc(n.storyId) + '">查看</a>' : "") + ' <span class="muted">' + esc(when(n.createdAt)) + "</span>") +
        (d.myNotifications.some((n) => !n.read) ? '<div class="row"><button type="button" class="secondary" id="notes-read">全部标为已读</button></div>' : "") + "</section>" +
      "</div>");
    const move = (attr, m, msg) => $$("[" + attr + "]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!) { " + m + "(id: $id) { id } }", { id: b.getAttribute(attr) }); toast(msg); route(); } catch (err) { failed(err); }
    }));
    move("data-accept-assignment", "acceptAssignment", "已接单");
    move("data-start-assignment", "startAssignment", "已开始采写");
    if ($("#notes-read")) $("#notes-read").addEventListener("click", async () => {
      try { await Hub.gql("mutation { markNotificationsRead }"); toast("通知已标为已读"); route(); } catch (err) { failed(err); }
    });
    $$("[data-assignment]").forEach((a) => a.addEventListener("click", (e) => { e.preventDefault(); sessionStorage.setItem("assignment", a.dataset.assignment); location.hash = "#/story/new"; }));
    onNewsroom(home);
  }
  function list(items, render) { return items.length ? "<ul>" + items.map((i) => "<li>" + render(i) + "</li>").join("") + "</ul>" : '<p class="muted">暂无</p>'; }
  async function storyTitles(ids) {
    const out = {};
    await Promise.all(ids.map(async (id) => { try { const s = (await Hub.gql("query($id: ID!) { story(id: $id) { title } }", { id })).story; if (s) out[id] = s.title; } catch (e) { /* shown by id */ } }));
    return out;
  }

  // Pages in other files (console/*.js, loaded after this one) add their routes here;
  // they get the same helpers the pages in this file use.
  window.Console = {
    register(re, nav, fn) { routes.push([re, nav, fn]); },
    can, page, denied, esc, when, toast, failed, route, serial, onNewsroom, $, $$, STATUS, PUB_STATE, list, storyTitles,
    me: () => me,
    onLeave(fn) { leaveHooks.push(fn); },
  };
  // Start once every page script has run: deferred scripts all run before DOMContentLoaded,
  // but while they run readyState is already "interactive" (not "loading"), so it cannot
  // tell; a script added after the page loaded starts at once.
  let started = false;
  const go = () => { if (!started) { started = true; start(); } };
  if (document.readyState === "complete") go();
  else { document.addEventListener("DOMContentLoaded", go); window.addEventListener("load", go); }
})();
