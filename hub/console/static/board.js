/* 融汇编辑台 — 指挥调度: leads, topics and assignments as a board, live on newsroom events;
   登记线索, 采纳, 报题, 批准, 派单, and 改派 to a colleague with a reason and a new deadline. */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, when, toast, failed, route, page, list, can, denied, onNewsroom } = C;
  const TOPIC = { PROPOSED: "待批准", APPROVED: "已批准", REJECTED: "已否决", DONE: "已完成", CANCELLED: "已取消" };
  const ASSIGN = { DISPATCHED: "已派单", ACCEPTED: "已接单", IN_PROGRESS: "采写中", FILED: "已交稿", DECLINED: "已拒绝", CANCELLED: "已取消" };
  const OPEN = ["DISPATCHED", "ACCEPTED", "IN_PROGRESS", "DECLINED"];

  async function dispatch() {
    if (!can.dispatch()) return denied();
    const d = await load();
    const b = d.dispatchBoard;
    const topics = d.topics.edges.map((e) => e.node).filter((t) => ["PROPOSED", "APPROVED"].includes(t.status));
    const assignments = d.assignments.edges.map((e) => e.node).filter((a) => OPEN.includes(a.status));
    const users = d.users.filter((u) => !u.disabled);
    const userOptions = users.map((u) => '<option value="' + esc(u.id) + '">' + esc(u.displayName + "(" + u.username + ")") + "</option>").join("");
    const who = (a) => a.assignees.map((p) => p.displayName || p.id).join("、");
    page("指挥调度", '<div class="board">' +
      '<section class="card" aria-labelledby="h-leads"><h2 id="h-leads">线索 <span class="muted">' + b.leadsAwaitingTriageCount + "</span></h2>" +
        list(b.leadsAwaitingTriage, (l) => esc(l.title) + ' <button type="button" class="secondary" data-accept="' + esc(l.id) + '">采纳</button>') +
        '<form id="lead"><label for="lead-title">新线索</label><input type="text" id="lead-title" required><div class="row"><button type="submit">登记</button></div></form></section>' +
      '<section class="card" aria-labelledby="h-topics"><h2 id="h-topics">选题</h2>' + list(topics, (t) => esc(t.title) + ' <span class="muted">' + esc(TOPIC[t.status] || t.status) + "</span>" +
          (t.status === "PROPOSED" ? ' <button type="button" class="secondary" data-approve="' + esc(t.id) + '">批准</button>' : "")) +
        '<form id="topic"><label for="topic-title">新选题</label><input type="text" id="topic-title" required>' +
        '<label for="topic-lead">关联线索</label><select id="topic-lead"><option value="">(无)</option>' + d.leads.edges.map((e) => '<option value="' + esc(e.node.id) + '">' + esc(e.node.title) + "</option>").join("") + "</select>" +
        '<div class="row"><button type="submit">报题</button></div></form></section>' +
      '<section class="card" aria-labelledby="h-assign"><h2 id="h-assign">派单</h2>' + list(assignments, (a) =>
          '<span class="' + (a.overdue ? "late" : "") + '">' + esc(a.topic ? a.topic.title : a.note) + "</span> · " + esc(who(a)) + ' <span class="muted">' + esc(ASSIGN[a.status] || a.status) +
          " · 截止 " + esc(when(a.deadline)) + (a.overdue ? "(已逾期)" : "") + "</span>" + (a.status === "DECLINED" && a.reason ? ' <span class="late">拒绝理由:' + esc(a.reason) + "</span>" : "") +
          ' <button type="button" class="secondary" data-reassign="' + esc(a.id) + '" aria-label="改派「' + esc(a.topic ? a.topic.title : a.note) + '」">改派</button>') +
        '<form id="assign"><label for="as-topic">选题</label><select id="as-topic">' + topics.filter((t) => t.status === "APPROVED").map((t) => '<option value="' + esc(t.id) + '">' + esc(t.title) + "</option>").join("") + "</select>" +
        '<label for="as-user">记者</label><select id="as-user">' + userOptions + "</select>" +
        '<label for="as-deadline">截止时间</label><input type="datetime-local" id="as-deadline" required><div class="row"><button type="submit">派单</button></div></form></section>' +
      '<section class="card" aria-labelledby="h-people"><h2 id="h-people">人员</h2>' + list(b.people, (p) => esc(p.person.displayName || p.person.id) + ":" + p.open.length + " 项在手") +
        '<h2>逾期</h2>' + list(b.late, (a) => esc(a.topic ? a.topic.title : a.id) + ' <span class="late">' + esc(when(a.deadline)) + "</span>") + "</section></div>" +
      '<dialog id="reassign-dialog" aria-labelledby="reassign-h"><form id="reassign" method="dialog"><h2 id="reassign-h">改派</h2><p id="reassign-what"></p>' +
        '<label for="ra-user">改派给</label><select id="ra-user">' + userOptions + "</select>" +
        '<label for="ra-reason">改派理由</label><input type="text" id="ra-reason" required>' +
        '<label for="ra-deadline">新截止时间(可选)</label><input type="datetime-local" id="ra-deadline">' +
        '<div class="row"><button type="submit">确认改派</button><button type="button" id="ra-cancel" class="secondary">取消</button></div></form></dialog>');
    const act = async (q, v, msg) => { try { await Hub.gql(q, v); toast(msg); route(); } catch (err) { failed(err); } };
    $$("[data-accept]").forEach((x) => x.addEventListener("click", () => act("mutation($id: ID!) { acceptLead(id: $id) { id } }", { id: x.dataset.accept }, "已采纳")));
    $$("[data-approve]").forEach((x) => x.addEventListener("click", () => act("mutation($id: ID!) { approveTopic(id: $id) { id } }", { id: x.dataset.approve }, "选题已批准")));
    const dialog = $("#reassign-dialog");
    let reassigning = null;
    C.onLeave(() => { if (dialog.open) dialog.close(); });
    $$("[data-reassign]").forEach((x) => x.addEventListener("click", () => {
      reassigning = assignments.find((a) => a.id === x.dataset.reassign);
      $("#reassign-what").textContent = "「" + (reassigning.topic ? reassigning.topic.title : reassigning.note) + "」现由 " + who(reassigning) + " 负责";
      $("#ra-reason").value = ""; $("#ra-deadline").value = "";
      dialog.showModal();
    }));
    $("#ra-cancel").addEventListener("click", () => dialog.close());
    $("#reassign").addEventListener("submit", (e) => {
      e.preventDefault();
      const reason = $("#ra-reason").value.trim();
      if (!reason) { toast("请填写改派理由"); $("#ra-reason").focus(); return; }
      dialog.close();
      act("mutation($id: ID!, $a: [ID!]!, $r: String!, $d: DateTime) { reassignAssignment(id: $id, assignees: $a, reason: $r, deadline: $d) { id } }",
        { id: reassigning.id, a: [$("#ra-user").value], r: reason, d: $("#ra-deadline").value ? new Date($("#ra-deadline").value).toISOString() : null }, "已改派");
    });
    $("#lead").addEventListener("submit", (e) => { e.preventDefault(); act("mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", { i: { title: $("#lead-title").value, source: "CITIZEN" } }, "线索已登记"); });
    $("#topic").addEventListener("submit", (e) => { e.preventDefault(); act("mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id } }", { i: { title: $("#topic-title").value, leadIds: $("#topic-lead").value ? [$("#topic-lead").value] : [] } }, "已报题"); });
    $("#assign").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }",
        { i: { topicId: $("#as-topic").value, assignees: [$("#as-user").value], deadline: new Date($("#as-deadline").value).toISOString() } }, "已派单");
    });
    onNewsroom(dispatch);
  }

  const load = () => Hub.gql("{ dispatchBoard { leadsAwaitingTriageCount leadsAwaitingTriage { id title } late { id topic { title } deadline } people { person { id displayName } open { id } } } " +
    "topics(first: 50) { edges { node { id title status } } } leads(first: 50, filter: {status: ACCEPTED}) { edges { node { id title } } } " +
    "assignments(first: 100) { edges { node { id status deadline overdue note reason topic { title } assignees { id displayName } } } } users { id username displayName disabled } }");

  C.register(/^#\/dispatch$/, "dispatch", dispatch);
})();
