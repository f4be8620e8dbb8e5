/* 融汇编辑台 — 数据看板 (传播效果) and its big-screen mode for the 指挥调度 room.
   Figures from the public GraphQL API (topStories, reachByChannel, reachByColumn,
   xuexiAdoption, personReach, storyReach); pictures are the hub's own charts
   (/reach/charts/*.svg), fetched with the session and shown as object URLs. */
"use strict";

(() => {
  const C = window.Console;
  const { esc, page, denied, failed, $, $$ } = C;
  const METRICS = { views: "阅读/播放", likes: "点赞", shares: "转发", comments: "评论", favorites: "收藏", score: "学习强国积分" };
  const CHANNELS = { app: "客户端", wechat: "微信公众号", douyin: "抖音", xuexi: "学习强国", gov_site: "政府网站", sms: "手机报",
    emergency: "应急广播", weibo: "微博", toutiao: "头条号", kuaishou: "快手", bilibili: "哔哩哔哩" };
  const ROLE = { reporter: "记者", editor: "编辑", reviewer: "签发" };
  const NEWSROOM = ["reporter", "editor", "reviewer", "chief_editor", "admin", "channel_operator", "correspondent"];
  const roles = () => new Set(((C.me() && C.me().grants) || []).map((g) => g.role));
  C.can.reach = () => NEWSROOM.some((r) => roles().has(r));
  C.can.people = () => ["chief_editor", "admin"].some((r) => roles().has(r));

  const thisMonth = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);  // China time
  const num = (n) => (n == null ? "0" : Number(n) >= 100000 ? (Number(n) / 10000).toFixed(1) + "万" : Number(n).toLocaleString("zh-CN"));
  const pct = (r) => (r * 100).toFixed(1) + "%";
  const channelName = (c) => CHANNELS[c] || c;
  const state = { month: thisMonth(), metric: "views", story: null, person: null };
  let urls = [];
  let timer = null;
  function cleanup() { urls.forEach((u) => URL.revokeObjectURL(u)); urls = []; clearInterval(timer); timer = null; document.body.classList.remove("screen"); }

  // Each chart is an <img data-chart="/reach/charts/…"> filled in after the page is painted.
  function chart(path, params, alt) {
    return '<figure class="chart"><img data-chart="' + esc(path + "?" + new URLSearchParams(params)) + '" alt="' + esc(alt) +
      '" width="720" height="360"><figcaption class="muted">' + esc(alt) + "</figcaption></figure>";
  }
  async function drawCharts() {
    await Promise.all($$("img[data-chart]:not([data-drawn])").map(async (img) => {
      try {
        const url = await Hub.image(img.dataset.chart);
        urls.push(url); img.src = url; img.dataset.drawn = "1";
      } catch (err) { img.replaceWith(Object.assign(document.createElement("p"), { className: "banner warn", textContent: "图表载入失败:" + err.message })); }
    }));
  }
  const COLS = ["views", "likes", "shares", "comments", "favorites"];
  function figures(f) { return COLS.map((k) => "<td>" + num(f && f[k]) + "</td>").join(""); }
  function heads() { return COLS.map((k) => '<th scope="col">' + METRICS[k] + "</th>").join(""); }
  const F = "views likes shares comments favorites score";

  async function load(month, metric, withPeople) {
    const q = "query($m: String, $k: String!) { topStories(month: $m, metric: $k, limit: 10) { storyId title value people totals { " + F + " } }" +
      " reachByChannel(month: $m) { key figures { " + F + " } corrections { views likes } }" +
      " reachByColumn(month: $m) { key figures { " + F + " } }" +
      " xuexiAdoption(month: $m) { submitted adopted rate score } columns { id name }" +
      (withPeople ? " users { id username displayName }" : "") + " }";
    return Hub.gql(q, { m: month, k: metric });
  }

  function controls() {
    return '<form id="reach-period" class="row card"><label class="inline" for="reach-month">月份</label>' +
      '<input type="month" id="reach-month" value="' + esc(state.month) + '" required>' +
      '<label class="inline" for="reach-metric">指标</label><select id="reach-metric">' +
      Object.entries(METRICS).map(([k, v]) => '<option value="' + k + '"' + (k === state.metric ? " selected" : "") + ">" + v + "</option>").join("") +
      '</select><button type="submit">查看</button><a class="button secondary" href="#/reach/screen">大屏模式</a></form>';
  }

  function topTable(top) {
    if (!top.length) return '<p class="muted">本月还没有传播数据。</p>';
    return '<div class="scroll"><table id="reach-top"><caption class="muted">按' + esc(METRICS[state.metric]) + "本月增长排序</caption>" +
      '<thead><tr><th scope="col">名次</th><th scope="col">稿件</th><th scope="col">' + esc(METRICS[state.metric]) +
      '</th><th scope="col">趋势</th></tr></thead><tbody>' +
      top.map((t, i) => "<tr><td>" + (i + 1) + "</td><td>" + esc(t.title || t.storyId) + "</td><td>" + num(t.value) +
        '</td><td><button type="button" class="secondary curve" data-story="' + esc(t.storyId) + '" aria-label="查看《' + esc(t.title) +
        '》的传播趋势">趋势</button></td></tr>').join("") + "</tbody></table></div>";
  }

  function totalsTable(id, rows, name, caption, extra) {
    if (!rows.length) return '<p class="muted">暂无数据。</p>';
    return '<div class="scroll"><table id="' + id + '"><caption class="muted">' + esc(caption) + '</caption><thead><tr><th scope="col">' +
      esc(name) + "</th>" + heads() + (extra ? '<th scope="col">平台更正(阅读)</th>' : "") + "</tr></thead><tbody>" +
      rows.map((r) => "<tr><th scope=\"row\">" + esc(r.label) + "</th>" + figures(r.figures) +
        (extra ? "<td>" + num(r.corrections && r.corrections.views) + "</td>" : "") + "</tr>").join("") + "</tbody></table></div>";
  }

  function peopleOf(data) {
    const names = new Map((data.users || []).map((u) => [u.id, u.displayName || u.username]));
    const seen = new Map();
    for (const t of data.topStories) for (const who of Object.values(t.people || {})) if (who && !seen.has(who)) seen.set(who, names.get(who) || who);
    for (const [id, name] of names) if (!seen.has(id)) seen.set(id, name);
    return seen;
  }

  async function dashboard() {
    if (!C.can.reach()) return denied();
    cleanup();
    C.onLeave(cleanup);
    const withPeople = C.can.people();
    const d = await load(state.month, state.metric, withPeople);
    const columns = new Map(d.columns.map((c) => [c.id, c.name]));
    const x = d.xuexiAdoption;
    state.story = state.story && d.topStories.some((t) => t.storyId === state.story) ? state.story : (d.topStories[0] || {}).storyId || null;
    const people = withPeople ? peopleOf(d) : new Map();
    if (!people.has(state.person)) state.person = people.keys().next().value || null;
    const month = { month: state.month, metric: state.metric };
    page("数据看板", controls() +
      '<div class="reach-kpis" id="reach-kpis">' +
      d.reachByChannel.map((r) => '<div class="kpi"><span class="kpi-label">' + esc(channelName(r.key)) + '</span><span class="kpi-value">' +
        num(r.figures[state.metric]) + "</span></div>").join("") +
      '<div class="kpi xuexi"><span class="kpi-label">学习强国 投稿/采用</span><span class="kpi-value" id="reach-xuexi">' + x.submitted + " / " + x.adopted +
      "</span><span class=\"kpi-label\">采用率 " + pct(x.rate) + " · 积分 " + num(x.score) + "</span></div></div>" +
      '<div class="grid">' +
      '<section class="card" aria-labelledby="h-top"><h2 id="h-top">传播排行</h2>' + topTable(d.topStories) +
        chart("/reach/charts/top.svg", month, state.month + " 传播排行图") + "</section>" +
      '<section class="card" aria-labelledby="h-curve"><h2 id="h-curve">传播趋势</h2>' +
        (state.story ? '<p id="reach-curve-title">' + esc((d.topStories.find((t) => t.storyId === state.story) || {}).title || "") + "</p>" +
          chart("/reach/charts/story.svg", { story_id: state.story, metric: state.metric }, "各渠道" + METRICS[state.metric] + "随时间变化")
          : '<p class="muted">暂无稿件。</p>') + "</section>" +
      '<section class="card" aria-labelledby="h-channels"><h2 id="h-channels">各渠道合计</h2>' +
        totalsTable("reach-channels", d.reachByChannel.map((r) => ({ label: channelName(r.key), figures: r.figures, corrections: r.corrections })),
          "渠道", state.month + " 本月增长", true) +
        chart("/reach/charts/channels.svg", month, state.month + " 渠道构成图") + "</section>" +
      '<section class="card" aria-labelledby="h-columns"><h2 id="h-columns">各栏目合计</h2>' +
        totalsTable("reach-columns", d.reachByColumn.map((r) => ({ label: r.key ? columns.get(r.key) || r.key : "未分栏目", figures: r.figures })),
          "栏目", state.month + " 本月增长", false) + "</section>" +
      (withPeople ? '<section class="card" aria-labelledby="h-person"><h2 id="h-person">个人月度</h2>' +
        '<label for="reach-person">人员</label><select id="reach-person">' +
        Array.from(people).map(([id, name]) => '<option value="' + esc(id) + '"' + (id === state.person ? " selected" : "") + ">" + esc(name) + "</option>").join("") +
        '</select><div id="reach-person-body"></div></section>' : "") +
      "</div>");
    $("#reach-period").addEventListener("submit", (e) => {
      e.preventDefault();
      state.month = $("#reach-month").value || thisMonth(); state.metric = $("#reach-metric").value;
      C.route();
    });
    $$("button.curve").forEach((b) => b.addEventListener("click", () => { state.story = b.dataset.story; C.route(); }));
    if (withPeople && state.person) {
      $("#reach-person").addEventListener("change", (e) => { state.person = e.target.value; C.serial(personPart); });
      await personPart();
    }
    await drawCharts();
  }

  async function personPart() {
    const box = $("#reach-person-body");
    if (!box || !state.person) return;
    const r = (await Hub.gql("query($p: String!, $m: String!) { personReach(person: $p, month: $m) { stories byRole totals { " + F + " } items { storyId title roles totals { views } } } }",
      { p: state.person, m: state.month })).personReach;
    box.innerHTML = '<p id="reach-person-summary">本月参与 ' + r.stories + " 篇(" + Object.entries(r.byRole).filter(([, n]) => n).map(([k, n]) => ROLE[k] + " " + n).join("、") +
      "),阅读/播放 " + num(r.totals.views) + "</p>" +
      (r.items.length ? "<ul>" + r.items.map((i) => "<li>" + esc(i.title || i.storyId) + ' <span class="muted">' + i.roles.map((k) => ROLE[k]).join("、") + " · " + num(i.totals.views) + "</span></li>").join("") + "</ul>" : "") +
      chart("/reach/charts/person.svg", { person: state.person, month: state.month, metric: state.metric }, "个人月度传播图");
    await drawCharts();
  }

  // 大屏模式: the 指挥调度 room's wall — big numbers, the top stories and the channel mix,
  // refreshed every minute and when the newsroom moves.
  async function screen() {
    if (!C.can.reach()) return denied();
    cleanup();
    C.onLeave(cleanup);
    document.body.classList.add("screen");
    const paint = async () => {
      const d = await load(state.month, "views", false);
      const total = d.reachByChannel.reduce((n, r) => n + Number(r.figures.views || 0), 0);
      const x = d.xuexiAdoption;
      urls.forEach((u) => URL.revokeObjectURL(u)); urls = [];
      page("传播大屏 · " + state.month, '<p class="row"><a class="button secondary" href="#/reach">退出大屏</a>' +
        '<button type="button" class="secondary" id="reach-full">全屏</button><span class="muted" id="reach-updated">更新于 ' +
        esc(new Date().toLocaleTimeString("zh-CN", { hour12: false })) + "</span></p>" +
        '<div class="wall"><div class="wall-big"><span class="kpi-label">本月阅读/播放</span><span class="big" id="reach-total">' + num(total) + "</span></div>" +
        d.reachByChannel.map((r) => '<div class="kpi"><span class="kpi-label">' + esc(channelName(r.key)) + '</span><span class="kpi-value">' + num(r.figures.views) + "</span></div>").join("") +
        '<div class="kpi"><span class="kpi-label">学习强国 投稿/采用</span><span class="kpi-value">' + x.submitted + " / " + x.adopted + "</span></div></div>" +
        '<div class="wall-grid"><section aria-labelledby="h-wall-top"><h2 id="h-wall-top">传播排行</h2><ol class="wall-top" id="reach-wall-top">' +
        d.topStories.map((t) => "<li><span>" + esc(t.title || t.storyId) + "</span><b>" + num(t.value) + "</b></li>").join("") + "</ol></section>" +
        '<section aria-labelledby="h-wall-mix"><h2 id="h-wall-mix">渠道构成</h2>' + chart("/reach/charts/channels.svg", { month: state.month, metric: "views" }, "渠道构成图") +
        "</section></div>");
      $("#reach-full").addEventListener("click", () => { if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(failed); });
      await drawCharts();
    };
    await paint();
    timer = setInterval(() => C.serial(paint), 60000);
    C.onNewsroom(paint);
  }

  C.register(/^#\/reach$/, "reach", dashboard);
  C.register(/^#\/reach\/screen$/, "reach", screen);
})();
