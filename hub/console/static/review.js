/* 融汇编辑台 — 审核 (the queue of my stages, a story with its revision diff, sign off or
   return with an opinion, 签发 with schedule and embargo, 撤稿 sign-off) and 发布 (every
   channel's publication with its ledger and lastError, replay, 撤稿, 更正). */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, when, toast, failed, route, page, list, can, denied, onNewsroom, storyTitles, STATUS, PUB_STATE } = C;
  const DECISION = { approve: "通过", APPROVE: "通过", return: "退回", RETURN: "退回" };
  const TAKEDOWN = { pending: "撤稿审核中", approved: "已同意撤稿", returned: "撤稿被驳回" };
  const local = (iso) => {  // an ISO time as the value of <input type=datetime-local>
    if (!iso) return "";
    const t = new Date(iso); const p = (n) => String(n).padStart(2, "0");
    return t.getFullYear() + "-" + p(t.getMonth() + 1) + "-" + p(t.getDate()) + "T" + p(t.getHours()) + ":" + p(t.getMinutes());
  };
  const iso = (sel) => ($(sel) && $(sel).value ? new Date($(sel).value).toISOString() : null);

  // ---------------------------------------------------------------- 审核
  async function reviewQueue() {
    if (!can.review()) return denied();
    const d = await Hub.gql("{ reviewQueue { storyId revision currentStage { name } chain publishAt embargoUntil correctionNote } takedownQueue { storyId reason stage { name } } }");
    const q = d.reviewQueue; const t = d.takedownQueue;
    const titles = await storyTitles(Array.from(new Set([...q, ...t].map((r) => r.storyId))));
    page("审核", '<div class="grid"><section class="card" aria-labelledby="h-queue"><h2 id="h-queue">待我审核</h2>' + list(q, (r) => '<a href="#/review/' + esc(r.storyId) + '">' + esc(titles[r.storyId] || r.storyId) + "</a> <span class=\"muted\">" +
      esc(r.currentStage ? r.currentStage.name : "") + " · 第 " + r.revision + " 版" + (r.correctionNote ? " · 更正" : "") +
      (r.publishAt ? " · 定时 " + esc(when(r.publishAt)) : "") + (r.embargoUntil ? " · 禁发至 " + esc(when(r.embargoUntil)) : "") + "</span>") + "</section>" +
      '<section class="card" aria-labelledby="h-takedowns"><h2 id="h-takedowns">待审撤稿</h2>' + list(t, (r) => '<a href="#/review/' + esc(r.storyId) + '">' + esc(titles[r.storyId] || r.storyId) + "</a> <span class=\"muted\">" +
      esc(r.stage.name) + " · 理由:" + esc(r.reason) + "</span>") + "</section></div>");
    onNewsroom(reviewQueue);
  }

  async function reviewStory(id) {
    if (!can.review()) return denied();
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { id title subtitle summary body status version revisions { number } cover { url } } " +
      "reviewRound(storyId: $id) { status revision currentStage { key name } stages { key name } signOffs { stage decision opinion revision at } returnReason publishAt embargoUntil correctionNote } " +
      "takedownRequest(storyId: $id) { status reason requestedBy stage { name } } storyChecks(id: $id) { key message blocking acknowledged match } }", { id });
    const s = d.story; const r = d.reviewRound; const t = d.takedownRequest;
    if (!s) return page("找不到稿件", "");
    const revs = s.revisions.map((x) => x.number).sort((a, b) => a - b);
    const waiting = r && ["in_review"].includes(r.status) && r.currentStage;
    const isFinal = waiting && r.stages.length && r.stages[r.stages.length - 1].key === r.currentStage.key;
    // compare with what the previous stage signed (else the revision before this one)
    const signed = r ? r.signOffs.map((o) => o.revision).filter((n) => n < r.revision) : [];
    const from = signed.length ? Math.max(...signed) : revs[revs.length - 2];
    const to = revs[revs.length - 1];
    const options = (sel) => revs.map((n) => "<option" + (n === sel ? " selected" : "") + ">" + n + "</option>").join("");
    page("审核:" + s.title,
      (r ? '<p class="banner info">' + esc(STATUS[r.status] || r.status) + (r.currentStage ? " · 当前:" + esc(r.currentStage.name) : "") + " · 第 " + r.revision + " 版" +
        (r.publishAt ? " · 定时发布 " + esc(when(r.publishAt)) : "") + (r.embargoUntil ? " · 禁发至 " + esc(when(r.embargoUntil)) : "") + "</p>" +
        (r.correctionNote ? '<p class="banner warn">更正说明:' + esc(r.correctionNote) + "</p>" : "") +
        (r.returnReason && r.status === "returned" ? '<p class="banner warn">退回理由:' + esc(r.returnReason) + "</p>" : "") : "") +
      (t && t.status === "pending" ? '<section class="banner warn" aria-labelledby="h-takedown"><h2 id="h-takedown">撤稿申请</h2><p>理由:' + esc(t.reason) + " · 待 " + esc(t.stage.name) + " 签批</p>" +
        '<label for="takedown-opinion">撤稿意见</label><input type="text" id="takedown-opinion">' +
        '<div class="row"><button type="button" id="takedown-approve">同意撤稿</button><button type="button" id="takedown-return" class="secondary">驳回撤稿</button></div></section>' : "") +
      '<div class="cols"><article class="card article"><h2>' + esc(s.title) + "</h2>" + (s.subtitle ? "<p><strong>" + esc(s.subtitle) + "</strong></p>" : "") +
      (s.cover ? '<img src="' + esc(s.cover.url) + '" alt="封面">' : "") + (s.summary ? '<p class="muted">' + esc(s.summary) + "</p>" : "") + s.body + "</article>" +
      '<aside class="card"><h2>审核意见</h2>' + (d.storyChecks.length ? "<h3>检查发现</h3><ul>" + d.storyChecks.map((c) => '<li class="' + (c.blocking && !c.acknowledged ? "late" : "") + '">' +
        (c.match ? "<mark>" + esc(c.match) + "</mark> " : "") + esc(c.message) + (c.acknowledged ? "(已确认)" : ' <button type="button" class="secondary" data-ack="' + esc(c.key) + '">确认</button>') + "</li>").join("") + "</ul>" : "") +
      (waiting ? '<label for="opinion">意见</label><textarea id="opinion"></textarea>' +
        (isFinal ? '<label for="publish-at">定时发布(可选,不填即签即发)</label><input type="datetime-local" id="publish-at" value="' + esc(local(r.publishAt)) + '">' +
          '<label for="embargo">禁发至(可选,合作方在此之前不得公开)</label><input type="datetime-local" id="embargo" value="' + esc(local(r.embargoUntil)) + '">' : "") +
        '<div class="row"><button type="button" id="approve">' + (isFinal ? "签发" : "通过") + '</button><button type="button" id="return" class="secondary">退回</button></div>'
        : '<p class="muted">此稿当前不在待审状态</p>') +
      "<h2>签审记录</h2>" + list(r ? r.signOffs : [], (o) => esc((r.stages.find((x) => x.key === o.stage) || { name: o.stage }).name) + " " + esc(DECISION[o.decision] || o.decision) + ":" + esc(o.opinion || "") + ' <span class="muted">第 ' + o.revision + " 版 · " + esc(when(o.at)) + "</span>") +
      '<h2 id="h-diff">修改对比</h2>' + (revs.length > 1 ? '<div class="row"><label for="diff-from" class="inline">从第</label><select id="diff-from">' + options(from) +
        '</select><label for="diff-to" class="inline">版到第</label><select id="diff-to">' + options(to) + '</select><button type="button" id="diff" class="secondary">对比</button></div>' +
        '<div id="diff-out" aria-labelledby="h-diff" role="region"></div>' : '<p class="muted">只有一个版本</p>') +
      "</aside></div>");
    C.freshPictures($("article")).catch(() => {});
    async function decide(decision) {
      try {
        if (decision === "APPROVE" && isFinal && (iso("#embargo") || r.embargoUntil)) {
          await Hub.gql("mutation($id: ID!, $u: DateTime) { setEmbargo(storyId: $id, until: $u) { embargoUntil } }", { id, u: iso("#embargo") });
        }
        const out = (await Hub.gql("mutation($id: ID!, $d: ReviewDecision!, $o: String!, $r: Int, $p: DateTime) { signOff(storyId: $id, decision: $d, opinion: $o, expectedRevision: $r, publishAt: $p) { status publishAt currentStage { name } } }",
          { id, d: decision, o: $("#opinion").value, r: r ? r.revision : null, p: isFinal ? iso("#publish-at") : null })).signOff;
        toast(decision === "RETURN" ? "已退回" : out.publishAt ? "已签发,定时发布 " + when(out.publishAt) : out.status === "approved" || out.status === "published" ? "已签发" : "已通过,转" + (out.currentStage ? out.currentStage.name : ""));
        location.hash = "#/review";
      } catch (err) { failed(err); }
    }
    $$("[data-ack]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!, $k: String!) { acknowledgeFinding(storyId: $id, key: $k) { acknowledged } }", { id, k: b.dataset.ack }); toast("已确认"); route(); } catch (err) { failed(err); }
    }));
    if ($("#approve")) {
      $("#approve").addEventListener("click", () => decide("APPROVE"));
      $("#return").addEventListener("click", () => { if (!$("#opinion").value.trim()) { toast("退回请填写意见"); $("#opinion").focus(); return; } decide("RETURN"); });
    }
    if ($("#takedown-approve")) {
      const signTakedown = async (decision) => {
        try {
          const out = (await Hub.gql("mutation($id: ID!, $d: ReviewDecision!, $o: String!) { signTakedown(storyId: $id, decision: $d, opinion: $o) { status } }",
            { id, d: decision, o: $("#takedown-opinion").value })).signTakedown;
          toast(TAKEDOWN[out.status] || out.status); route();
        } catch (err) { failed(err); }
      };
      $("#takedown-approve").addEventListener("click", () => signTakedown("APPROVE"));
      $("#takedown-return").addEventListener("click", () => signTakedown("RETURN"));
    }
    async function showDiff() {
      const df = (await Hub.gql("query($id: ID!, $f: Int!, $t: Int!) { diffStory(id: $id, fromRevision: $f, toRevision: $t) { changes { field before after hunks { op before after beforeStart afterStart } } } }",
        { id, f: +$("#diff-from").value, t: +$("#diff-to").value })).diffStory;
      $("#diff-out").innerHTML = df.changes.length ? df.changes.map(C.changeHtml).join("") : '<p class="muted">两版内容相同</p>';
    }
    if ($("#diff")) {
      $("#diff").addEventListener("click", () => showDiff().catch(failed));
      if (from !== to) await showDiff();
    }
  }

  // ---------------------------------------------------------------- 发布
  async function publications(id) {
    const d = await Hub.gql("query($id: ID!) { story(id: $id) { title version status } publications(storyId: $id) { id channel action state externalId url lastError revision updatedAt ledger { at toState note } } " +
      "channels { name titleZh } takedownRequest(storyId: $id) { status reason stage { name } } reviewRound(storyId: $id) { status correctionNote currentStage { name } } }", { id });
    if (!d.story) return page("找不到稿件", "");
    const names = Object.fromEntries(d.channels.map((c) => [c.name, c.titleZh]));
    const t = d.takedownRequest; const r = d.reviewRound;
    const live = ["PUBLISHED", "APPROVED", "SCHEDULED"].includes(d.story.status);
    page("发布:" + d.story.title, '<p class="muted">稿件状态:' + esc(STATUS[d.story.status] || d.story.status) +
      (r && r.correctionNote && r.status === "in_review" ? " · 更正审核中(" + esc(r.currentStage ? r.currentStage.name : "") + "):" + esc(r.correctionNote) : "") + "</p>" +
      (t ? '<p class="banner ' + (t.status === "pending" ? "warn" : "info") + '">撤稿申请:' + esc(TAKEDOWN[t.status] || t.status) + (t.status === "pending" ? ",待 " + esc(t.stage.name) + " 签批" : "") +
        " · 理由:" + esc(t.reason) + (t.status === "pending" && can.review() ? ' <a href="#/review/' + esc(id) + '">去签批</a>' : "") + "</p>" : "") +
      '<div class="scroll" tabindex="0" role="region" aria-label="表格,可左右滚动"><table><caption class="muted">各渠道发布情况</caption><thead><tr><th scope="col">渠道</th><th scope="col">状态</th><th scope="col">平台编号</th><th scope="col">错误</th><th scope="col">记录</th><th scope="col">操作</th></tr></thead><tbody>' +
      d.publications.map((p) => '<tr data-channel="' + esc(p.channel) + '"><td>' + esc(names[p.channel] || p.channel) + (p.action === "correct" ? "(更正)" : p.action === "retract" ? "(撤稿)" : "") +
        ' <span class="muted">第 ' + p.revision + ' 版</span></td><td class="state-' + esc(p.state) + '">' + esc(PUB_STATE[p.state] || p.state) + "</td><td>" +
        (p.url ? '<a href="' + esc(p.url) + '">' + esc(p.externalId || "查看") + "</a>" : esc(p.externalId || "")) + "</td><td>" + esc(p.lastError || "") + "</td><td><details><summary>" + p.ledger.length + " 条</summary>" +
        list(p.ledger, (l) => esc(when(l.at)) + " " + esc(PUB_STATE[l.toState] || l.toState) + " " + esc(l.note || "")) + "</details></td>" +
        '<td><button type="button" class="secondary" data-replay="' + esc(p.id) + '">重新发送</button></td></tr>').join("") + "</tbody></table></div>" +
      (d.publications.length ? "" : '<p class="muted">尚未发布到任何渠道</p>') +
      (live ? '<div class="grid"><section class="card" aria-labelledby="h-correct"><h2 id="h-correct">更正</h2><p>在稿件编辑页修改内容并填写更正说明,经审核后以更正发往各渠道。</p>' +
        '<p><a class="button secondary" href="#/story/' + esc(id) + '">去修改</a></p></section>' +
        '<section class="card" aria-labelledby="h-takedown"><h2 id="h-takedown">撤稿</h2><label for="takedown-reason">撤稿理由</label><input type="text" id="takedown-reason">' +
        '<div class="row"><button type="button" id="takedown">申请撤稿</button></div></section></div>' : ""));
    $$("[data-replay]").forEach((b) => b.addEventListener("click", async () => {
      try { await Hub.gql("mutation($id: ID!) { replayPublication(id: $id) { state } }", { id: b.dataset.replay }); toast("已重新排队发送"); route(); } catch (err) { failed(err); }
    }));
    if ($("#takedown")) $("#takedown").addEventListener("click", async () => {
      const reason = $("#takedown-reason").value.trim();
      if (!reason) { toast("请填写撤稿理由"); $("#takedown-reason").focus(); return; }
      try {
        const out = (await Hub.gql("mutation($id: ID!, $v: Int!, $r: String!) { requestTakedown(storyId: $id, expectedVersion: $v, reason: $r) { takenDown } }",
          { id, v: d.story.version, r: reason })).requestTakedown;
        toast(out.takenDown ? "已撤稿" : "撤稿申请已提交审核"); route();
      } catch (err) { failed(err); }
    });
    onNewsroom(() => publications(id));
  }

  C.register(/^#\/review$/, "review", reviewQueue);
  C.register(/^#\/review\/([\w-]+)$/, "review", reviewStory);
  C.register(/^#\/publish\/([\w-]+)$/, "", publications);
})();
