/* 融汇编辑台 — 问政 pages: 筛查 (the screening queue), 部门收件箱 (a department's inbox),
   问政审核 (answers waiting for review) and 问政数据 (figures and their export). Everything
   shown comes from the public GraphQL API (and the figures' CSV/XLSX door); the hub decides
   who sees and may do what, these pages only leave out what a role cannot use. */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, when, toast, failed, page, denied } = C;

  // ---------------------------------------------------------------- who may do what
  const grants = () => ((C.me() && C.me().grants) || []);
  const has = (...names) => grants().some((g) => names.includes(g.role));
  const myDepartments = () => grants().filter((g) => g.role === "account_operator" && g.label.includes("@"))
    .map((g) => g.label.slice(g.label.indexOf("@") + 1));
  const may = {
    screen: () => has("editor", "chief_editor", "admin", "platform_admin"),
    handle: () => may.screen() || myDepartments().length > 0,
    review: () => C.can.review(),
    figures: () => may.screen() || has("reviewer"),
  };
  C.can.wenzheng = () => may.handle() || may.review() || may.figures();

  const FORWARD = { pending: "待签收", accepted: "办理中", info_requested: "待群众补充", rerouted: "已申请改派", answered: "已答复" };
  const OPEN = new Set(["PENDING", "ACCEPTED", "INFO_REQUESTED"]);
  const TABS = [
    ["screen", "#/wenzheng/screen", "筛查", may.screen],
    ["inbox", "#/wenzheng/inbox", "部门收件箱", may.handle],
    ["review", "#/wenzheng/review", "问政审核", may.review],
    ["figures", "#/wenzheng/figures", "问政数据", may.figures],
  ];
  function tabs(current) {
    return '<nav class="row" aria-label="问政">' + TABS.filter((t) => t[3]()).map(([key, href, name]) =>
      '<a class="button' + (key === current ? "" : " secondary") + '" href="' + href + '"' + (key === current ? ' aria-current="page"' : "") + ">" + esc(name) + "</a>").join("") + "</nav>";
  }
  async function act(query, variables, message) {
    try { await Hub.gql(query, variables); toast(message); C.route(); } catch (err) { failed(err); }
  }
  const PERSONAL = { phone: "手机号", id_number: "身份证号", address: "门牌地址", number: "长数字" };
  const findingsOf = (q) => (q.findings || []).map((f) => (f.code === "SENSITIVE_WORD"
    ? "敏感词「" + esc(f.match) + "」" : "个人信息:" + esc(PERSONAL[f.kind] || f.kind)));
  function questionHead(q, text) {
    const findings = findingsOf(q);
    return "<h2>" + esc(q.trackingNumber) + ' <span class="muted">' + esc(q.statusZh) + "</span></h2>" +
      '<p class="wz-text">' + esc(text) + "</p>" +
      '<p class="muted">' + [q.category && "类别:" + esc(q.category), q.place && "地点:" + esc(q.place), "收到:" + esc(when(q.receivedAt)),
        q.public ? "群众同意公开" : "不公开"].filter(Boolean).join(" · ") + "</p>" +
      (findings.length ? '<p class="banner warn">筛查提示:' + findings.join("、") + "</p>" : "");
  }

  // ---------------------------------------------------------------- 问政 (landing)
  async function landing() {
    const first = TABS.find((t) => t[3]());
    if (!first) return denied();
    location.replace(first[1]);
  }

  // ---------------------------------------------------------------- 筛查
  const QUEUES = [["RECEIVED", "待筛查"], ["ACCEPTED", "待转交"], ["REOPENED", "群众追问"], ["ANSWERED", "待送审"]];
  const SCREEN_FIELDS = "id trackingNumber text category place public status statusZh findings receivedAt version " +
    "contact { name phone address } forwards { id departmentName status answer late } reopenReason";

  async function screen(status) {
    if (!may.screen()) return denied();
    status = QUEUES.some((x) => x[0] === status) ? status : "RECEIVED";
    const d = await Hub.gql("query($s: WenzhengStatus) { wenzhengQuestions(first: 50, filter: {status: $s}) { edges { node { " + SCREEN_FIELDS + " } } }" +
      " recent: wenzhengQuestions(first: 50) { edges { node { id trackingNumber publicText status } } } accounts { id name } }", { s: status });
    const items = d.wenzhengQuestions.edges.map((e) => e.node);
    const recent = d.recent.edges.map((e) => e.node).filter((q) => !["MERGED", "REJECTED", "LEAD"].includes(q.status));
    const departments = d.accounts;
    const card = (q) => {
      const id = esc(q.id);
      const c = q.contact || {};
      const others = recent.filter((r) => r.id !== q.id);
      const canScreen = ["RECEIVED", "ACCEPTED"].includes(q.status);
      const canForward = ["RECEIVED", "ACCEPTED", "REOPENED"].includes(q.status);
      return '<article class="card wz-q" data-question="' + id + '" aria-label="问政 ' + esc(q.trackingNumber) + '">' + questionHead(q, q.text) +
        (c.name || c.phone || c.address ? '<p class="muted">联系人:' + esc([c.name, c.phone, c.address].filter(Boolean).join(" ")) + "(仅筛查人员可见)</p>" : "") +
        (q.reopenReason ? '<p class="banner info">群众追问:' + esc(q.reopenReason) + "</p>" : "") +
        (q.forwards.length ? '<ul class="muted">' + q.forwards.map((f) => "<li>" + esc(f.departmentName) + ":" + esc(FORWARD[f.status.toLowerCase()] || f.status) +
          (f.answer ? ":" + esc(f.answer) + (f.late ? '<span class="late">(超期答复)</span>' : "") : "") + "</li>").join("") + "</ul>" : "") +
        (canScreen ? '<div class="row"><button type="button" data-accept="' + id + '">受理</button>' +
          '<button type="button" class="secondary" data-lead="' + id + '">转为新闻线索</button></div>' : "") +
        (canForward ? '<fieldset class="wz-forward"><legend>转交部门</legend>' + (departments.length ? departments.map((a) =>
          '<label class="inline"><input type="checkbox" name="dept-' + id + '" value="' + esc(a.id) + '"> ' + esc(a.name) + "</label>").join("") : '<p class="muted">还没有部门(融媒号)</p>') +
          '<label for="note-' + id + '">转交说明</label><input type="text" id="note-' + id + '" maxlength="2000">' +
          '<div class="row"><button type="button" data-forward="' + id + '">转交</button></div></fieldset>' : "") +
        (canScreen || q.status === "REOPENED" ? '<label for="reason-' + id + '">不予受理理由(群众可见)</label><input type="text" id="reason-' + id + '" maxlength="2000">' +
          '<div class="row"><button type="button" class="secondary" data-reject="' + id + '">不予受理</button></div>' : "") +
        (canScreen && others.length ? '<label for="into-' + id + '">与重复问政合并</label><select id="into-' + id + '">' +
          others.map((r) => '<option value="' + esc(r.id) + '">' + esc(r.trackingNumber + " " + r.publicText.slice(0, 24)) + "</option>").join("") + "</select>" +
          '<div class="row"><button type="button" class="secondary" data-merge="' + id + '">合并</button></div>' : "") +
        (q.status === "ANSWERED" ? '<div class="row"><button type="button" data-send="' + id + '">送审答复</button></div>' : "") +
        "</article>";
    };
    page("问政筛查", tabs("screen") +
      '<nav class="row" aria-label="筛查队列">' + QUEUES.map(([s, name]) => '<a class="button' + (s === status ? "" : " secondary") + '" href="#/wenzheng/screen/' + s + '"' +
        (s === status ? ' aria-current="page"' : "") + ">" + esc(name) + "</a>").join("") + "</nav>" +
      (items.length ? '<div class="grid">' + items.map(card).join("") + "</div>" : '<p class="muted">队列为空</p>'));
    const SCREEN = "mutation($id: ID!, $d: WenzhengScreenDecision!, $r: String, $i: ID) { screenWenzhengQuestion(id: $id, decision: $d, reason: $r, intoId: $i) { status } }";
    $$("[data-accept]").forEach((b) => b.addEventListener("click", () => act(SCREEN, { id: b.dataset.accept, d: "ACCEPT" }, "已受理")));
    $$("[data-lead]").forEach((b) => b.addEventListener("click", () => act(SCREEN, { id: b.dataset.lead, d: "TO_LEAD" }, "已转为新闻线索")));
    $$("[data-reject]").forEach((b) => b.addEventListener("click", () => {
      const reason = $("#reason-" + CSS.escape(b.dataset.reject));
      if (!reason.value.trim()) { toast("不予受理请填写理由,群众会看到"); reason.focus(); return; }
      act(SCREEN, { id: b.dataset.reject, d: "REJECT", r: reason.value.trim() }, "已不予受理");
    }));
    $$("[data-merge]").forEach((b) => b.addEventListener("click", () =>
      act(SCREEN, { id: b.dataset.merge, d: "MERGE", i: $("#into-" + CSS.escape(b.dataset.merge)).value }, "已合并")));
    $$("[data-forward]").forEach((b) => b.addEventListener("click", () => {
      const id = b.dataset.forward;
      const chosen = $$('input[name="dept-' + CSS.escape(id) + '"]:checked').map((x) => x.value);
      if (!chosen.length) { toast("请选择至少一个部门"); return; }
      act("mutation($id: ID!, $d: [ID!]!, $n: String) { forwardWenzhengQuestion(id: $id, departmentIds: $d, note: $n) { status } }",
        { id, d: chosen, n: $("#note-" + CSS.escape(id)).value.trim() || null }, "已转交 " + chosen.length + " 个部门");
    }));
    $$("[data-send]").forEach((b) => b.addEventListener("click", () =>
      act("mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { status } }", { id: b.dataset.send }, "答复已送审")));
    C.onNewsroom(() => screen(status));
  }

  // ---------------------------------------------------------------- 部门收件箱
  async function inbox(chosen) {
    if (!may.handle()) return denied();
    const accounts = (await Hub.gql("{ accounts { id name } }")).accounts;
    const mine = may.screen() ? accounts : accounts.filter((a) => myDepartments().includes(a.id));
    if (!mine.length) return page("部门收件箱", tabs("inbox") + '<p class="muted">你的账号没有对应的部门。</p>');
    const dept = mine.find((a) => a.id === chosen) || mine[0];
    const d = await Hub.gql("query($d: ID) { wenzhengQuestions(first: 50, filter: {departmentId: $d}) { edges { node { id trackingNumber text category place public " +
      "status statusZh findings receivedAt forwards { id departmentId departmentName status deadline overdue infoRequest supplement answer late rerouteReason } } } } }", { d: dept.id });
    const items = d.wenzhengQuestions.edges.map((e) => e.node).map((q) => ({ q, f: q.forwards.filter((f) => f.departmentId === dept.id) }))
      .filter((x) => x.f.length);
    items.sort((a, b) => Number(b.f.some((f) => OPEN.has(f.status))) - Number(a.f.some((f) => OPEN.has(f.status))));
    const forward = (q, f) => {
      const key = esc(q.id) + "-" + esc(f.id);
      const open = OPEN.has(f.status);
      const who = ' data-q="' + esc(q.id) + '" data-f="' + esc(f.id) + '" data-key="' + key + '"';
      return '<div class="wz-forward" data-forward-of="' + esc(q.id) + '">' +
        "<p><strong>" + esc(FORWARD[f.status.toLowerCase()] || f.status) + "</strong> · " +
        '<span class="' + (f.overdue ? "late" : "muted") + '">办理时限 ' + esc(when(f.deadline)) + (f.overdue ? "(已超期)" : "") + "</span></p>" +
        (f.infoRequest ? "<p>请群众补充:" + esc(f.infoRequest) + "</p>" : "") +
        (f.supplement ? "<p>群众补充:" + esc(f.supplement) + "</p>" : "") +
        (f.rerouteReason ? "<p>改派理由:" + esc(f.rerouteReason) + "</p>" : "") +
        (f.answer ? "<p>答复:" + esc(f.answer) + (f.late ? '<span class="late">(超期答复)</span>' : "") + "</p>" : "") +
        (open ? (f.status === "PENDING" ? '<div class="row"><button type="button" class="secondary" data-sign' + who + ">签收</button></div>" : "") +
          '<label for="text-' + key + '">答复或说明</label><textarea id="text-' + key + '" maxlength="10000"></textarea>' +
          '<div class="row"><button type="button" data-move="ANSWER"' + who + ">答复</button>" +
          '<button type="button" class="secondary" data-move="ASK_MORE"' + who + ">请群众补充</button>" +
          '<button type="button" class="secondary" data-move="REROUTE"' + who + ">申请改派</button></div>" : "") + "</div>";
    };
    page("部门收件箱", tabs("inbox") +
      (mine.length > 1 ? '<div class="row"><label for="wz-dept" class="inline">部门</label><select id="wz-dept" class="grow">' +
        mine.map((a) => '<option value="' + esc(a.id) + '"' + (a.id === dept.id ? " selected" : "") + ">" + esc(a.name) + "</option>").join("") + "</select></div>"
        : '<p class="muted">部门:' + esc(dept.name) + "</p>") +
      (items.length ? '<div class="grid">' + items.map(({ q, f }) => '<article class="card wz-q" data-question="' + esc(q.id) + '" aria-label="问政 ' + esc(q.trackingNumber) + '">' +
        questionHead(q, q.text) + f.map((x) => forward(q, x)).join("") + "</article>").join("") + "</div>" : '<p class="muted">暂无转交给本部门的问政</p>'));
    if ($("#wz-dept")) $("#wz-dept").addEventListener("change", (e) => { location.hash = "#/wenzheng/inbox/" + e.target.value; });
    const HANDLE = "mutation($q: ID!, $f: ID!, $a: WenzhengForwardAction!, $t: String) { handleWenzhengForward(questionId: $q, forwardId: $f, action: $a, text: $t) { status } }";
    const ids = (b) => ({ q: b.dataset.q, f: b.dataset.f });
    const DONE = { ANSWER: "已答复", ASK_MORE: "已请群众补充", REROUTE: "已申请改派" };
    const NEED = { ANSWER: "请填写答复内容", ASK_MORE: "请写明需要群众补充什么", REROUTE: "请写明改派理由" };
    $$("[data-sign]").forEach((b) => b.addEventListener("click", () => act(HANDLE, { ...ids(b), a: "ACCEPT" }, "已签收")));
    $$("[data-move]").forEach((b) => b.addEventListener("click", () => {
      const text = $("#text-" + CSS.escape(b.dataset.key));
      if (!text.value.trim()) { toast(NEED[b.dataset.move]); text.focus(); return; }
      act(HANDLE, { ...ids(b), a: b.dataset.move, t: text.value.trim() }, DONE[b.dataset.move]);
    }));
    if (may.screen()) C.onNewsroom(() => inbox(dept.id));  // operators have no newsroom feed: they reload
  }

  // ---------------------------------------------------------------- 问政审核
  async function review() {
    if (!may.review()) return denied();
    const d = await Hub.gql("{ wenzhengQuestions(first: 50, filter: {status: IN_REVIEW}) { edges { node { id trackingNumber publicText category place public " +
      "status statusZh findings receivedAt storyId forwards { departmentName answer late } } } } }");
    const items = d.wenzhengQuestions.edges.map((e) => e.node);
    page("问政审核", tabs("review") + '<p class="muted">公开的问政:问答稿件在问政栏目的审核流程中审核、签发;不公开的问政:审核后只回复群众本人。</p>' +
      (items.length ? '<div class="grid">' + items.map((q) => '<article class="card wz-q" data-question="' + esc(q.id) + '" aria-label="问政 ' + esc(q.trackingNumber) + '">' +
        questionHead(q, q.publicText) +
        (q.public && q.storyId
          // what goes public is the Q&A item (personal data masked): reviewed and signed there
          ? '<p class="muted">答复:' + q.forwards.filter((f) => f.answer).map((f) => esc(f.departmentName) + (f.late ? '<span class="late">(超期答复)</span>' : "")).join("、") +
            '。公开内容(已隐去个人信息)见问答稿件。</p><div class="row"><a class="button" href="#/review/' + esc(q.storyId) + '">审核问答稿件</a></div>'
          // a private answer goes to the citizen only, as the department wrote it
          : "<ul>" + q.forwards.filter((f) => f.answer).map((f) => "<li><strong>" + esc(f.departmentName) + "答复:</strong>" + esc(f.answer) +
            (f.late ? '<span class="late">(超期答复)</span>' : "") + "</li>").join("") + "</ul>" +
            '<div class="row"><button type="button" data-release="' + esc(q.id) + '">审核通过,回复群众</button></div>') + "</article>").join("") + "</div>"
        : '<p class="muted">没有待审核的答复</p>'));
    $$("[data-release]").forEach((b) => b.addEventListener("click", () =>
      act("mutation($id: ID!) { releaseWenzhengAnswer(id: $id) { status } }", { id: b.dataset.release }, "已回复群众")));
    C.onNewsroom(review);
  }

  // ---------------------------------------------------------------- 问政数据
  const day = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);  // a day in center time (UTC+8)
  const startOf = (d) => d + "T00:00:00+08:00";
  const pct = (x) => (x == null ? "—" : (x * 100).toFixed(1) + "%");
  const num = (x) => (x == null ? "—" : String(x));
  async function figures(since, until) {
    if (!may.figures()) return denied();
    const today = day(Date.now());
    since = /^\d{4}-\d{2}-\d{2}$/.test(since || "") ? since : day(Date.now() - 29 * 86400e3);
    until = /^\d{4}-\d{2}-\d{2}$/.test(until || "") ? until : today;
    const end = day(Date.parse(startOf(until)) + 86400e3);  // the until day included
    const period = { s: startOf(since), u: startOf(end) };
    const T = "key name received screenedOut forwarded answered answerRate onTimeRate medianHoursToAnswer overdueNow satisfaction rated";
    const f = (await Hub.gql("query($s: DateTime!, $u: DateTime!) { wenzhengFigures(since: $s, until: $u) { total { " + T + " } byDepartment { " + T + " } byCategory { " + T + " } } }", period)).wenzhengFigures;
    const row = (scope, t) => "<tr><th scope=\"row\">" + esc(scope) + esc(t.name || t.key || "") + "</th><td>" + t.received + "</td><td>" + t.screenedOut + "</td><td>" + t.forwarded +
      "</td><td>" + t.answered + "</td><td>" + pct(t.answerRate) + "</td><td>" + pct(t.onTimeRate) + "</td><td>" + num(t.medianHoursToAnswer) + "</td><td" +
      (t.overdueNow ? ' class="late"' : "") + ">" + t.overdueNow + "</td><td>" + num(t.satisfaction) + (t.rated ? "(" + t.rated + " 人评价)" : "") + "</td></tr>";
    page("问政数据", tabs("figures") +
      '<form id="wz-period" class="row"><label for="wz-since" class="inline">起</label><input type="date" id="wz-since" value="' + esc(since) + '" required>' +
      '<label for="wz-until" class="inline">止</label><input type="date" id="wz-until" value="' + esc(until) + '" required><button type="submit">查询</button>' +
      '<button type="button" class="secondary" data-export="csv">导出 CSV</button><button type="button" class="secondary" data-export="xlsx">导出 Excel</button></form>' +
      '<p class="muted">按收到时间统计(北京时间 ' + esc(since) + " 至 " + esc(until) + ");答复率 = 已答复 / 已转交,按时率按部门答复计。</p>" +
      '<div class="scroll" tabindex="0" role="region" aria-label="问政数据表,可左右滚动"><table id="wz-figures"><caption class="muted">问政数据</caption><thead><tr><th scope="col">范围</th><th scope="col">收到</th>' +
      '<th scope="col">筛除</th><th scope="col">转交</th><th scope="col">已答复</th><th scope="col">答复率</th><th scope="col">按时率</th><th scope="col">答复时长中位数(小时)</th>' +
      '<th scope="col">当前超期</th><th scope="col">满意度</th></tr></thead><tbody>' + row("合计", { ...f.total, name: "" }) +
      f.byDepartment.map((t) => row("部门:", t)).join("") + f.byCategory.map((t) => row("类别:", t)).join("") + "</tbody></table></div>");
    $("#wz-period").addEventListener("submit", (e) => { e.preventDefault(); location.hash = "#/wenzheng/figures/" + $("#wz-since").value + "/" + $("#wz-until").value; });
    $$("[data-export]").forEach((b) => b.addEventListener("click", async () => {
      try {
        const file = await Hub.wenzhengFigures(b.dataset.export, { since: period.s, until: period.u });
        const a = document.createElement("a");
        a.href = URL.createObjectURL(file.blob); a.download = file.filename; a.hidden = true;
        document.body.appendChild(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 60000);
        toast("已导出 " + file.filename);
      } catch (err) { failed(err); }
    }));
  }

  C.register(/^#\/wenzheng$/, "wenzheng", landing);
  C.register(/^#\/wenzheng\/screen(?:\/(\w+))?$/, "wenzheng", screen);
  C.register(/^#\/wenzheng\/inbox(?:\/([\w-]+))?$/, "wenzheng", inbox);
  C.register(/^#\/wenzheng\/review$/, "wenzheng", review);
  C.register(/^#\/wenzheng\/figures(?:\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2}))?$/, "wenzheng", figures);
})();
