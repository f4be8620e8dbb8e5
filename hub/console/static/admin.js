/* 融汇编辑台 — 管理 (center administration): users and roles, review chains, sensitive words,
   channel settings (forms built from each plugin's settings schema), partner clients, feed
   subscriptions and webhooks. Only the public GraphQL API, through Hub.gql; registered on
   window.Console like every page in its own file. */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, when, toast } = C;
  const gql = (q, v) => Hub.gql(q, v);

  const SECTIONS = [
    ["users", "用户与角色"], ["chains", "审核流程"], ["words", "敏感词"], ["channels", "渠道设置"],
    ["clients", "合作方客户端"], ["feeds", "订阅"], ["webhooks", "推送地址"],
  ];
  const ROLE_CHOICES = [
    ["reporter", "记者"], ["editor", "编辑"], ["reviewer:first", "初审"], ["reviewer:second", "复审"],
    ["reviewer:final", "终审"], ["chief_editor", "总编辑"], ["channel_operator", "渠道运营"],
    ["admin", "中心管理员"], ["correspondent", "通讯员"],
  ];
  const STAGE_ROLES = [["reviewer:first", "初审审核员"], ["reviewer:second", "复审审核员"], ["reviewer:final", "终审审核员"],
    ["chief_editor", "总编辑"], ["editor", "编辑"], ["admin", "中心管理员"]];
  const STORY_TYPES = [["article", "图文"], ["gallery", "图集"], ["video", "视频"], ["audio", "音频"], ["live", "直播"], ["special", "专题"]];
  const SCOPES = [["stories:read", "读取稿件与订阅"], ["stories:write", "投稿"], ["leads:submit", "报送线索"], ["wenzheng:submit", "问政提交"]];
  const FORMATS = [["json_feed", "JSON Feed"], ["ninjs", "ninjs"], ["rss", "RSS"], ["atom", "Atom"]];
  const DELIVERY = { pending: "待重试", delivered: "已送达", failed: "未送达" };
  const VERDICT = { delivered: "已送达", gone: "对方已下线(410)", throttled: "对方限流", failed: "失败", blocked: "地址被拦截" };
  const DISABLED = { manual: "管理员停用", gone: "对方回复 410", failing: "重试用尽", blocked: "地址被拦截", subscription: "订阅已停用", client: "合作方已停用" };
  // secrets of a channel's settings: the API shows them masked; sent back masked they are kept
  const MASK = "******";
  const SECRET_SECTIONS = ["credentials", "signing"];
  const SECRET_TRANSPORT = ["secrets", "token", "client_secret", "password"];
  const KEY_ZH = { credentials: "凭据", signing: "签名密钥", transport: "传输", limits: "限制", base_url: "接口地址", url: "地址",
    directory: "投递目录", account_name: "账号名称", org_code: "机构代码", src_ebrid: "本平台资源编码", dest_ebrid: "目标资源编码",
    sender_name: "发布单位", sender_code: "发布单位编码", appid: "AppID", secret: "密钥", token: "令牌", client_key: "Client Key",
    open_id: "Open ID", refresh_token: "刷新令牌", private_key_hex: "私钥(十六进制)", cert_sn: "证书序列号", client_secret: "客户端密钥", password: "密码" };

  const table = (caption, heads, rows) => '<div class="scroll" tabindex="0" role="region" aria-label="' + esc(caption) + '(表格,可左右滚动)"><table><caption class="muted">' + esc(caption) +
    "</caption><thead><tr>" + heads.map((h) => '<th scope="col">' + esc(h) + "</th>").join("") + "</tr></thead><tbody>" +
    (rows.length ? rows.join("") : '<tr><td colspan="' + heads.length + '" class="muted">暂无</td></tr>') + "</tbody></table></div>";
  const checks = (name, choices, chosen, legend) => '<fieldset class="checks"><legend>' + esc(legend) + "</legend>" + choices.map(([v, label], i) =>
    '<label class="inline" for="' + esc(name + "-" + i) + '"><input type="checkbox" id="' + esc(name + "-" + i) + '" name="' + esc(name) + '" value="' + esc(v) + '"' +
    (chosen.includes(v) ? " checked" : "") + ">" + esc(label) + "</label>").join("") + "</fieldset>";
  const checked = (name) => $$('input[name="' + name + '"]:checked', $("#main")).map((x) => x.value);
  const lines = (text) => text.split(/\r?\n|[,,]/).map((t) => t.trim()).filter(Boolean);
  const secretBanner = (what, secret) => '<div class="banner warn" role="alert" id="secret-once" tabindex="-1"><p><strong>' + esc(what) +
    "</strong>只显示这一次,请立即复制保存(离开此页后无法再查看):</p><p><code id=\"new-secret\">" + esc(secret) + "</code></p></div>";

  const who = (list, id) => ((list || []).find((u) => u.id === id) || { displayName: id || "" }).displayName;

  async function act(q, v, msg, after) {
    try { const out = await gql(q, v); toast(msg); await (after ? after(out) : C.route()); return out; } catch (err) { C.failed(err); return null; }
  }
  function shell(section, html) {
    const tabs = '<nav class="row admin-tabs" aria-label="管理分类">' + SECTIONS.map(([k, label]) =>
      '<a href="#/admin/' + k + '" class="button' + (k === section ? '" aria-current="page"' : ' secondary"') + ">" + esc(label) + "</a>").join("") + "</nav>";
    const title = (SECTIONS.find(([k]) => k === section) || [0, ""])[1];
    C.page("管理 · " + title, tabs + html);
  }

  async function admin(section, id) {
    if (!C.can.admin()) return C.denied();
    const s = section || "users";
    const pages = { users, chains, words, channels, clients, feeds, webhooks };
    if (!pages[s]) return C.page("找不到页面", '<p><a href="#/admin">返回管理</a></p>');
    return pages[s](id ? decodeURIComponent(id) : null);
  }

  // ---------------------------------------------------------------- 用户与角色
  async function users(id) {
    const d = await gql("{ users { id username displayName disabled email grants { role stage label } } accounts { id name } }");
    const roleText = (u) => (u.grants || []).map((g) => (ROLE_CHOICES.find(([v]) => v === g.label) || [0, g.label])[1]).join("、");
    const rows = d.users.map((u) => '<tr data-user="' + esc(u.username) + '"><td>' + esc(u.username) + "</td><td>" + esc(u.displayName) + "</td><td>" + esc(roleText(u)) +
      "</td><td>" + (u.disabled ? '<span class="late">已停用</span>' : "正常") + '</td><td><a href="#/admin/users/' + esc(u.id) + '" aria-label="管理 ' + esc(u.username) + '">管理</a></td></tr>');
    const user = id ? d.users.find((u) => u.id === id) : null;
    const known = ROLE_CHOICES.map(([v]) => v);
    let panel;
    if (user) {
      const labels = (user.grants || []).map((g) => g.label);
      panel = '<section class="card" aria-labelledby="h-user"><h2 id="h-user">' + esc(user.displayName + "(" + user.username + ")") + "</h2>" +
        '<form id="grants">' + checks("grant", ROLE_CHOICES, labels, "角色") +
        '<label for="grants-other">其他角色(如融媒号运营 account_operator@融媒号编号,用逗号分隔)</label><input type="text" id="grants-other" value="' +
        esc(labels.filter((l) => !known.includes(l)).join(", ")) + '">' +
        '<p class="muted">修改角色后,该用户须重新登录。</p><div class="row"><button type="submit">保存角色</button></div></form>' +
        '<form id="reset"><label for="reset-pass">新密码(至少 10 位)</label><input type="password" id="reset-pass" autocomplete="new-password" required>' +
        '<div class="row"><button type="submit">重置密码</button></div></form>' +
        '<div class="row">' + (user.disabled ? '<button type="button" id="enable-user">启用账号</button>' : '<button type="button" id="disable-user" class="secondary">停用账号</button>') +
        '<a href="#/admin/users">返回用户列表</a></div></section>';
    } else {
      panel = '<section class="card" aria-labelledby="h-new-user"><h2 id="h-new-user">新建用户</h2><form id="new-user">' +
        '<label for="nu-name">用户名(小写字母、数字)</label><input type="text" id="nu-name" autocomplete="off" required>' +
        '<label for="nu-display">姓名</label><input type="text" id="nu-display" required>' +
        '<label for="nu-pass">初始密码(至少 10 位)</label><input type="password" id="nu-pass" autocomplete="new-password" required>' +
        '<label for="nu-email">电子邮箱(可不填)</label><input type="text" id="nu-email" autocomplete="off">' +
        checks("nu-grant", ROLE_CHOICES, [], "角色") + '<div class="row"><button type="submit">创建用户</button></div></form></section>';
    }
    shell("users", '<div class="grid"><section class="card"><h2>用户</h2>' + table("本中心的用户", ["用户名", "姓名", "角色", "状态", "操作"], rows) + "</section>" + panel + "</div>");
    if (user) {
      const q = (m) => "mutation($u: ID!" + m;
      $("#grants").addEventListener("submit", (e) => {
        e.preventDefault();
        act(q(", $g: [String!]!) { setUserGrants(userId: $u, grants: $g) { id } }"), { u: user.id, g: [...checked("grant"), ...lines($("#grants-other").value)] }, "角色已保存");
      });
      $("#reset").addEventListener("submit", (e) => {
        e.preventDefault();
        act(q(", $p: String!) { resetUserPassword(userId: $u, password: $p) { id } }"), { u: user.id, p: $("#reset-pass").value }, "密码已重置,该用户的登录已全部失效");
      });
      if ($("#disable-user")) $("#disable-user").addEventListener("click", () => act(q(") { disableUser(userId: $u) { id } }"), { u: user.id }, "账号已停用"));
      if ($("#enable-user")) $("#enable-user").addEventListener("click", () => act(q(") { enableUser(userId: $u) { id } }"), { u: user.id }, "账号已启用"));
    } else {
      $("#new-user").addEventListener("submit", (e) => {
        e.preventDefault();
        act("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }", { i: { username: $("#nu-name").value.trim(), displayName: $("#nu-display").value.trim(),
          password: $("#nu-pass").value, email: $("#nu-email").value.trim() || null, grants: checked("nu-grant") } }, "用户已创建");
      });
    }
  }

  // ---------------------------------------------------------------- 审核流程
  async function chains(id) {
    const d = await gql("{ reviewChains { id name stages { key name role } columns channels types reenterStage takedownStage correctionStage proofRounds updatedAt } columns { id name } channels { name titleZh } }");
    const colName = Object.fromEntries(d.columns.map((c) => [c.id, c.name]));
    const chName = Object.fromEntries(d.channels.map((c) => [c.name, c.titleZh]));
    const roleName = (r) => (STAGE_ROLES.find(([v]) => v === r) || [0, r])[1];
    const typeName = (t) => (STORY_TYPES.find(([v]) => v === t) || [0, t])[1];
    const rows = d.reviewChains.map((c) => '<tr data-chain="' + esc(c.name) + '"><td>' + esc(c.name) + "</td><td>" + c.stages.map((s) => esc(s.name) + "(" + esc(roleName(s.role)) + ")").join(" → ") +
      "</td><td>" + esc(c.types.map(typeName).join("、") || "全部") + "</td><td>" + esc(c.columns.map((x) => colName[x] || x).join("、") || "全部") + "</td><td>" + esc(c.channels.map((x) => chName[x] || x).join("、") || "全部") +
      '</td><td><a href="#/admin/chains/' + esc(c.id) + '" aria-label="修改 ' + esc(c.name) + '">修改</a></td></tr>');
    const chain = id ? d.reviewChains.find((c) => c.id === id) : null;
    const c = chain || { name: "", stages: [{ key: "first", name: "初审", role: "reviewer:first" }, { key: "second", name: "复审", role: "reviewer:second" }, { key: "final", name: "终审", role: "chief_editor" }],
      columns: [], channels: [], types: [], reenterStage: 0, takedownStage: null, correctionStage: null, proofRounds: 0 };
    shell("chains", '<p class="muted">送审时按稿件类型、栏目与发布渠道选用最具体的流程(类型优先于栏目,栏目优先于渠道);没有适用的流程时使用默认的三审(初审、复审、终审)。</p>' +
      '<section class="card">' + table("本中心的审核流程", ["名称", "审级与签发人", "稿件类型", "栏目", "渠道", "操作"], rows) + "</section>" +
      '<section class="card" aria-labelledby="h-chain"><h2 id="h-chain">' + (chain ? "修改流程:" + esc(chain.name) : "新建审核流程") + '</h2><form id="chain">' +
      '<label for="ch-name">流程名称</label><input type="text" id="ch-name" required value="' + esc(c.name) + '">' +
      '<fieldset><legend>审级(按顺序,每级由谁签发)</legend><ol id="stages"></ol><div class="row"><button type="button" id="add-stage" class="secondary">增加一级</button></div></fieldset>' +
      checks("ch-type", STORY_TYPES, c.types, "适用稿件类型(不选为全部)") +
      checks("ch-col", d.columns.map((x) => [x.id, x.name]), c.columns, "适用栏目(不选为全部)") +
      checks("ch-chan", d.channels.map((x) => [x.name, x.titleZh]), c.channels, "适用渠道(不选为全部)") +
      '<label for="ch-reenter">签发后修改,从哪一级重审</label><select id="ch-reenter"></select>' +
      '<label for="ch-takedown">撤稿由哪一级审批</label><select id="ch-takedown"></select>' +
      '<label for="ch-correction">更正从哪一级重审</label><select id="ch-correction"></select>' +
      '<label for="ch-proof">签发前须完成的校次(三校)</label><select id="ch-proof">' + [0, 1, 2, 3].map((n) => '<option value="' + n + '"' + (n === c.proofRounds ? " selected" : "") + ">" + (n ? n + " 校" : "不要求") + "</option>").join("") + "</select>" +
      '<div class="row"><button type="submit">' + (chain ? "保存修改" : "创建流程") + "</button>" + (chain ? '<button type="button" id="delete-chain" class="secondary">删除此流程</button><a href="#/admin/chains">新建流程</a>' : "") + "</div></form></section>");
    let stages = c.stages.map((s) => Object.assign({}, s));
    const stageSelect = (sel, value, none) => {
      $(sel).innerHTML = (none ? '<option value="">' + esc(none) + "</option>" : "") + stages.map((s, i) => '<option value="' + i + '"' + (value === i ? " selected" : "") + ">第 " + (i + 1) + " 级 " + esc(s.name) + "</option>").join("");
    };
    const readStages = () => { stages = $$("#stages li").map((li, i) => ({ key: stages[i].key, name: $("input", li).value.trim(), role: $("select", li).value })); };
    const draw = () => {
      $("#stages").innerHTML = stages.map((s, i) => '<li class="row"><label class="inline" for="st-name-' + i + '">名称</label><input type="text" id="st-name-' + i + '" required value="' + esc(s.name) + '">' +
        '<label class="inline" for="st-role-' + i + '">签发人</label><select id="st-role-' + i + '">' + STAGE_ROLES.map(([v, label]) => '<option value="' + v + '"' + (v === s.role ? " selected" : "") + ">" + esc(label) + "</option>").join("") + "</select>" +
        (stages.length > 1 ? '<button type="button" class="secondary" data-remove-stage="' + i + '" aria-label="删除第 ' + (i + 1) + ' 级">删除</button>' : "") + "</li>").join("");
      const keep = (sel, fallback) => ($(sel) && $(sel).value !== undefined && $(sel).options.length ? ($(sel).value === "" ? null : Math.min(+$(sel).value, stages.length - 1)) : fallback);
      const reenter = keep("#ch-reenter", c.reenterStage); const takedown = keep("#ch-takedown", c.takedownStage); const correction = keep("#ch-correction", c.correctionStage);
      stageSelect("#ch-reenter", reenter || 0); stageSelect("#ch-takedown", takedown, "无需审批(有发布权限者直接撤稿)"); stageSelect("#ch-correction", correction, "无需重审(有发布权限者直接更正)");
      $$("[data-remove-stage]").forEach((b) => b.addEventListener("click", () => { readStages(); stages.splice(+b.dataset.removeStage, 1); draw(); }));
    };
    draw();
    $("#add-stage").addEventListener("click", () => { readStages(); stages.push({ key: "s" + Date.now().toString(36), name: "第" + (stages.length + 1) + "审", role: "chief_editor" }); draw(); $("#st-name-" + (stages.length - 1)).focus(); });
    $("#chain").addEventListener("submit", (e) => {
      e.preventDefault(); readStages();
      const n = (sel) => ($(sel).value === "" ? null : +$(sel).value);
      const input = { name: $("#ch-name").value.trim(), stages, types: checked("ch-type"), columns: checked("ch-col"), channels: checked("ch-chan"),
        reenterStage: n("#ch-reenter") || 0, takedownStage: n("#ch-takedown"), correctionStage: n("#ch-correction"), proofRounds: +$("#ch-proof").value };
      if (chain) act("mutation($id: ID!, $i: ReviewChainInput!) { updateReviewChain(id: $id, input: $i) { id } }", { id: chain.id, i: input }, "审核流程已保存");
      else act("mutation($i: ReviewChainInput!) { createReviewChain(input: $i) { id } }", { i: input }, "审核流程已创建", () => { location.hash = "#/admin/chains"; return C.route(); });
    });
    if ($("#delete-chain")) $("#delete-chain").addEventListener("click", () =>
      act("mutation($id: ID!) { deleteReviewChain(id: $id) }", { id: chain.id }, "审核流程已删除", () => { location.hash = "#/admin/chains"; }));
  }

  // ---------------------------------------------------------------- 敏感词
  async function words() {
    const d = await gql("{ sensitiveWords { words { text level suggestion note } allowedSources updatedAt updatedBy } users { id displayName } }");
    const w = d.sensitiveWords;
    const text = (level) => w.words.filter((x) => x.level === level).map((x) => x.text + (x.suggestion ? " => " + x.suggestion : "")).join("\n");
    shell("words", '<form id="words" class="card"><p class="muted">每行一个词;可写“词 => 建议用语”。' +
      (w.updatedAt ? "上次保存:" + esc(when(w.updatedAt)) + (w.updatedBy ? "(" + esc(who(d.users, w.updatedBy)) + ")" : "") : "尚未设置敏感词。") + "</p>" +
      '<div class="grid"><div><label for="words-block">拦截词(命中须修改或由总编辑确认后才能签发)</label><textarea id="words-block" rows="10">' + esc(text("block")) + "</textarea></div>" +
      '<div><label for="words-warn">提示词(提醒编辑注意)</label><textarea id="words-warn" rows="10">' + esc(text("warn")) + "</textarea></div></div>" +
      '<label for="words-sources">允许转载的来源(每行一个)</label><textarea id="words-sources" rows="4">' + esc(w.allowedSources.join("\n")) + "</textarea>" +
      '<div class="row"><button type="submit">保存敏感词</button><span class="muted" id="words-count">共 ' + w.words.length + " 个词</span></div></form>");
    const notes = Object.fromEntries(w.words.map((x) => [x.text, x.note]));
    const parse = (sel, level) => $(sel).value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
      const [t, s] = l.split(/\s*=>\s*/, 2);
      return { text: t, level, suggestion: s || null, note: notes[t] || null };
    });
    $("#words").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($w: [SensitiveWordInput!]!, $s: [String!]) { setSensitiveWords(words: $w, allowedSources: $s) }",
        { w: [...parse("#words-block", "block"), ...parse("#words-warn", "warn")], s: lines($("#words-sources").value) }, "敏感词已保存");
    });
  }

  // ---------------------------------------------------------------- 渠道设置
  const isSecret = (path) => SECRET_SECTIONS.includes(path[0]) || (path[0] === "transport" && SECRET_TRANSPORT.includes(path[1]));
  const label = (key) => (KEY_ZH[key] ? KEY_ZH[key] + "(" + key + ")" : key);
  const fid = (path) => "cfg-" + path.join("-").replace(/[^\w-]/g, "_");

  // one field per key of the schema (its properties and required keys, and keys the center set);
  // an object the schema does not describe, or a list, is edited as JSON
  function fields(schema, value, effective, path) {
    const props = Object.assign({}, schema.properties || {});
    (schema.required || []).forEach((k) => { if (!props[k]) props[k] = { type: "string" }; });
    if (value && typeof value === "object" && !Array.isArray(value)) Object.keys(value).forEach((k) => { if (!props[k]) props[k] = { type: guess(value[k]) }; });
    const required = schema.required || [];
    return Object.entries(props).map(([key, sub]) => field(key, sub || {}, value ? value[key] : undefined, effective ? effective[key] : undefined, [...path, key], required.includes(key))).join("");
  }
  function guess(v) { return Array.isArray(v) ? "array" : v === null ? "string" : typeof v === "object" ? "object" : typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : "string"; }
  function field(key, schema, value, effective, path, required) {
    const id = fid(path);
    const type = schema.type || guess(value !== undefined ? value : effective);
    const req = required ? '<span class="late">(必填)</span>' : "";
    const masked = value === MASK;
    const describes = schema.properties || schema.required;
    if (type === "object" && (describes || (SECRET_SECTIONS.includes(key) && path.length === 1))) {
      return '<fieldset data-section="' + esc(path.join(".")) + '"' + (masked ? ' data-masked="1"' : "") + "><legend>" + esc(label(key)) + req + "</legend>" +
        (masked ? '<p class="muted">已保存(加密存储,不显示);全部留空则保持不变,填写则整体替换。</p>' : "") +
        fields(schema, masked ? {} : value, masked || effective === MASK ? {} : effective, path) + "</fieldset>";
    }
    const secret = isSecret(path);
    const hint = effective !== undefined && effective !== MASK && !secret ? "默认:" + (typeof effective === "object" ? JSON.stringify(effective) : String(effective)) : "";
    const common = ' id="' + id + '" data-cfg="' + esc(path.join(".")) + '" data-type="' + esc(type) + '"' + (hint ? ' placeholder="' + esc(hint) + '"' : "");
    const lab = '<label for="' + id + '">' + esc(label(key)) + req + "</label>";
    if (type === "object" || type === "array") {
      return lab + "<textarea" + common + ' rows="4" spellcheck="false">' + esc(value === undefined ? "" : JSON.stringify(value, null, 2)) + "</textarea>";
    }
    if (type === "boolean") {
      return lab + "<select" + common + '><option value="">使用默认' + (effective !== undefined ? "(" + (effective ? "是" : "否") + ")" : "") + '</option><option value="true"' + (value === true ? " selected" : "") +
        '>是</option><option value="false"' + (value === false ? " selected" : "") + ">否</option></select>";
    }
    if (secret || path.some((p) => SECRET_SECTIONS.includes(p))) {
      return lab + '<input type="password" autocomplete="new-password"' + common.replace(/ placeholder="[^"]*"/, "") + (masked ? ' data-masked="1" placeholder="已保存,留空不变"' : "") + ">";
    }
    const kind = type === "number" || type === "integer" ? "number" : "text";
    return lab + '<input type="' + kind + '"' + (type === "integer" ? ' step="1"' : "") + common + ' value="' + esc(value === undefined || value === null ? "" : value) + '">';
  }
  function set(obj, path, v) { let o = obj; path.slice(0, -1).forEach((k) => { if (!o[k] || typeof o[k] !== "object") o[k] = {}; o = o[k]; }); o[path[path.length - 1]] = v; }
  function readConfig(form) {
    const out = {};
    for (const el of $$("[data-cfg]", form)) {
      const path = el.dataset.cfg.split(".");
      const raw = el.value.trim();
      if (el.dataset.masked && !raw) { set(out, path, MASK); continue; }
      if (!raw) continue;
      const t = el.dataset.type;
      let v = raw;
      if (t === "number" || t === "integer") v = Number(raw);
      else if (t === "boolean") v = raw === "true";
      else if (t === "object" || t === "array") {
        try { v = JSON.parse(raw); } catch (err) { throw new Error(label(path[path.length - 1]) + " 不是正确的 JSON:" + err.message); }
      }
      set(out, path, v);
    }
    for (const fs of $$("fieldset[data-masked]", form)) {  // a saved secret section left empty: keep it
      const path = fs.dataset.section.split(".");
      const filled = $$("[data-cfg]", fs).some((el) => el.value.trim());
      if (!filled) set(out, path, MASK);
    }
    return out;
  }

  async function channels(name) {
    const d = await gql("{ channels { name titleZh titleEn transport version configSchema } pluginFailures { source error } }");
    const failures = d.pluginFailures.length ? '<div class="banner bad" role="alert" id="plugin-failures"><p><strong>以下插件未能加载</strong>(其余渠道照常工作;请联系技术人员检查):</p><ul>' +
      d.pluginFailures.map((f) => "<li><code>" + esc(f.source) + "</code>:" + esc(f.error) + "</li>").join("") + "</ul></div>" : "";
    const rows = d.channels.map((c) => '<tr><td>' + esc(c.titleZh) + ' <span class="muted">' + esc(c.name) + "</span></td><td>" + esc(c.transport) + "</td><td>" + esc(c.version) +
      '</td><td><a href="#/admin/channels/' + esc(c.name) + '" aria-label="设置' + esc(c.titleZh) + '">设置</a></td></tr>');
    const ch = name ? d.channels.find((c) => c.name === name) : null;
    if (!ch) { shell("channels", failures + '<section class="card">' + table("已加载的渠道", ["渠道", "传输方式", "版本", "操作"], rows) + "</section>"); return; }
    const got = await gql("query($c: String!) { channelSettings(channel: $c) { config effective updatedAt updatedBy } users { id displayName } }", { c: ch.name });
    const s = got.channelSettings;
    shell("channels", failures + '<section class="card" aria-labelledby="h-cfg"><h2 id="h-cfg">' + esc(ch.titleZh) + " 渠道设置</h2>" +
      '<p class="muted">本中心的设置覆盖部署默认值;留空使用默认值。' + (s.updatedAt ? "上次保存:" + esc(when(s.updatedAt)) + "(" + esc(who(got.users, s.updatedBy)) + ")" : "本中心尚未设置。") + "</p>" +
      '<form id="channel-config">' + fields(ch.configSchema || {}, s.config || {}, s.effective || {}, []) +
      '<div class="row"><button type="submit">保存设置</button><a href="#/admin/channels">返回渠道列表</a></div></form></section>');
    $("#channel-config").addEventListener("submit", (e) => {
      e.preventDefault();
      let config;
      try { config = readConfig($("#channel-config")); } catch (err) { toast(err.message); return; }
      act("mutation($c: String!, $v: JSON!) { configureChannel(channel: $c, config: $v) { updatedAt } }", { c: ch.name, v: config }, ch.titleZh + "设置已保存");
    });
  }

  // ---------------------------------------------------------------- 合作方客户端
  async function clients(id) {
    const d = await gql("{ clients { id name scopes status createdAt secretRotatedAt disabledReason disabledBy feedSubscriptionCount webhookEndpointCount previousSecrets { expiresAt } } }");
    const scopeText = (s) => s.map((x) => (SCOPES.find(([v]) => v === x) || [0, x])[1]).join("、");
    const rows = d.clients.map((c) => '<tr data-client="' + esc(c.name) + '"><td>' + esc(c.name) + "</td><td><code>" + esc(c.id) + "</code></td><td>" + esc(scopeText(c.scopes)) + "</td><td>" +
      (c.status === "DISABLED" ? '<span class="late">已停用</span>' : "启用") + "</td><td>" + c.feedSubscriptionCount + " / " + c.webhookEndpointCount +
      '</td><td><a href="#/admin/clients/' + esc(c.id) + '" aria-label="管理 ' + esc(c.name) + '">管理</a></td></tr>');
    const client = id ? d.clients.find((c) => c.id === id) : null;
    const panel = client ? '<section class="card" aria-labelledby="h-client"><h2 id="h-client">' + esc(client.name) + "</h2><p>客户端编号 <code>" + esc(client.id) + "</code>;建立于 " + esc(when(client.createdAt)) +
        (client.secretRotatedAt ? ";上次更换密钥 " + esc(when(client.secretRotatedAt)) : "") + "</p>" +
        (client.status === "DISABLED" ? '<p class="banner bad">已停用:' + esc(client.disabledReason || "") + "</p>" : "") +
        '<form id="rotate"><label for="rotate-keep">旧密钥继续有效</label><select id="rotate-keep"><option value="0">立即失效</option><option value="86400" selected>1 天</option><option value="604800">7 天</option></select>' +
        '<div class="row"><button type="submit">更换密钥</button></div></form>' +
        (client.status === "DISABLED" ? '<div class="row"><button type="button" id="enable-client">启用</button></div>'
          : '<form id="disable-client"><label for="disable-reason">停用原因</label><input type="text" id="disable-reason" required><div class="row"><button type="submit" class="secondary">停用此客户端</button></div></form>') +
        '<p><a href="#/admin/clients">返回客户端列表</a></p></section>'
      : '<section class="card" aria-labelledby="h-new-client"><h2 id="h-new-client">新建合作方客户端</h2><form id="new-client">' +
        '<label for="nc-name">名称(如 省融媒体平台)</label><input type="text" id="nc-name" required>' + checks("nc-scope", SCOPES, ["stories:read"], "权限") +
        '<div class="row"><button type="submit">创建</button></div></form></section>';
    shell("clients", '<div id="secret-slot"></div><div class="grid"><section class="card"><h2>客户端</h2>' + table("合作方与集成客户端(订阅数 / 推送地址数)", ["名称", "客户端编号", "权限", "状态", "订阅/推送", "操作"], rows) + "</section>" + panel + "</div>");
    const showSecret = (what, secret) => { $("#secret-slot").innerHTML = secretBanner(what, secret); $("#secret-once").focus(); };
    if (!client) {
      $("#new-client").addEventListener("submit", (e) => {
        e.preventDefault();
        act("mutation($n: String!, $s: [String!]!) { createClient(name: $n, scopes: $s) { clientId clientSecret } }", { n: $("#nc-name").value.trim(), s: checked("nc-scope") }, "客户端已创建",
          async (out) => { await C.route(); showSecret("客户端 " + out.createClient.clientId + " 的密钥", out.createClient.clientSecret); });
      });
      return;
    }
    $("#rotate").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($c: ID!, $k: Int!) { rotateClientSecret(clientId: $c, keepOldSeconds: $k) { clientSecret } }", { c: client.id, k: +$("#rotate-keep").value }, "密钥已更换",
        async (out) => { await C.route(); showSecret("新密钥", out.rotateClientSecret.clientSecret); });
    });
    if ($("#enable-client")) $("#enable-client").addEventListener("click", () => act("mutation($c: ID!) { enableClient(clientId: $c) { id } }", { c: client.id }, "客户端已启用"));
    if ($("#disable-client")) $("#disable-client").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($c: ID!, $r: String!) { disableClient(clientId: $c, reason: $r) { id } }", { c: client.id, r: $("#disable-reason").value.trim() }, "客户端已停用");
    });
  }

  // ---------------------------------------------------------------- 订阅
  async function feeds() {
    const d = await gql("{ feedSubscriptions { id clientId name formats signatureAlgorithm version enabled feedPaths selection { columns tags types channels } } clients { id name status } columns { id name } channels { name titleZh } }");
    const clientName = Object.fromEntries(d.clients.map((c) => [c.id, c.name]));
    const rows = d.feedSubscriptions.map((s) => '<tr data-subscription="' + esc(s.name) + '"><td>' + esc(s.name) + "</td><td>" + esc(clientName[s.clientId] || s.clientId) + "</td><td>" + esc(s.formats.join("、")) +
      "</td><td>" + esc(s.signatureAlgorithm === "sm2" ? "SM2(国密)" : "Ed25519") + "</td><td>" + (s.enabled ? "启用" : '<span class="late">已停用</span>') + "</td><td>" +
      s.feedPaths.map((p) => "<code>" + esc(p) + "</code>").join("<br>") + '</td><td><button type="button" class="secondary" data-toggle-sub="' + esc(s.id) + '" data-version="' + s.version + '" data-enabled="' + s.enabled + '">' +
      (s.enabled ? "停用" : "启用") + "</button></td></tr>");
    const active = d.clients.filter((c) => c.status !== "DISABLED");
    shell("feeds", '<section class="card">' + table("合作方订阅", ["名称", "合作方", "格式", "签名", "状态", "订阅地址", "操作"], rows) + "</section>" +
      '<section class="card" aria-labelledby="h-new-sub"><h2 id="h-new-sub">新建订阅</h2>' + (active.length ? '<form id="new-sub">' +
        '<label for="ns-client">合作方客户端</label><select id="ns-client">' + active.map((c) => '<option value="' + esc(c.id) + '">' + esc(c.name) + "</option>").join("") + "</select>" +
        '<label for="ns-name">订阅名称</label><input type="text" id="ns-name" required>' + checks("ns-format", FORMATS, ["json_feed"], "格式") +
        '<label for="ns-sig">签名算法</label><select id="ns-sig"><option value="ed25519">Ed25519</option><option value="sm2">SM2(国密,政务合作方)</option></select>' +
        checks("ns-col", d.columns.map((x) => [x.id, x.name]), [], "栏目(不选为全部)") + checks("ns-chan", d.channels.map((x) => [x.name, x.titleZh]), [], "渠道版本(不选为客户端 app)") +
        '<label for="ns-tags">标签(逗号分隔,不填为全部)</label><input type="text" id="ns-tags">' +
        '<div class="row"><button type="submit">创建订阅</button></div></form>' : '<p class="muted">请先在“合作方客户端”中建立客户端。</p>') + "</section>");
    $$("[data-toggle-sub]").forEach((b) => b.addEventListener("click", () => {
      const enabled = b.dataset.enabled === "true";
      act("mutation($id: ID!, $v: Int!, $e: Boolean) { updateFeedSubscription(id: $id, expectedVersion: $v, enabled: $e) { id } }",
        { id: b.dataset.toggleSub, v: +b.dataset.version, e: !enabled }, enabled ? "订阅已停用" : "订阅已启用");
    }));
    if ($("#new-sub")) $("#new-sub").addEventListener("submit", (e) => {
      e.preventDefault();
      const sel = { columns: checked("ns-col"), tags: lines($("#ns-tags").value) };
      if (checked("ns-chan").length) sel.channels = checked("ns-chan");
      act("mutation($n: String!, $c: String, $f: [String!], $s: String!, $sel: FeedSelectionInput) { createFeedSubscription(name: $n, clientId: $c, formats: $f, signatureAlgorithm: $s, selection: $sel) { id } }",
        { n: $("#ns-name").value.trim(), c: $("#ns-client").value, f: checked("ns-format"), s: $("#ns-sig").value, sel }, "订阅已创建");
    });
  }

  // ---------------------------------------------------------------- 推送地址
  const attemptText = (a) => (a ? (a.statusCode ? "HTTP " + a.statusCode + " " : "") + (VERDICT[a.verdict] || a.verdict) + (a.error ? ":" + a.error : "") : "");
  async function sendTest(endpointId) {
    try {
      const t = (await gql("mutation($id: ID!) { sendWebhookTestEvent(id: $id) { id state attempts { statusCode verdict error } } }", { id: endpointId })).sendWebhookTestEvent;
      const a = t.attempts[t.attempts.length - 1];
      const out = $("#test-result");
      if (out) { out.className = "banner " + (t.state === "delivered" ? "info" : "bad"); out.textContent = "测试事件" + (t.state === "delivered" ? "已送达" : "未送达") + ":" + attemptText(a); }
      toast(t.state === "delivered" ? "测试事件已送达" : "测试事件未送达");
    } catch (err) { C.failed(err); }
  }

  async function webhooks(id) {
    if (id) return deliveries(id);
    const d = await gql("{ webhookEndpoints { id subscriptionId url description enabled disabledReason lastStatus lastError cursor } feedSubscriptions { id name enabled } }");
    const subName = Object.fromEntries(d.feedSubscriptions.map((s) => [s.id, s.name]));
    const rows = d.webhookEndpoints.map((e) => '<tr data-endpoint="' + esc(e.url) + '"><td><code>' + esc(e.url) + "</code>" + (e.description ? '<br><span class="muted">' + esc(e.description) + "</span>" : "") +
      "</td><td>" + esc(subName[e.subscriptionId] || e.subscriptionId) + "</td><td>" + (e.enabled ? "启用" : '<span class="late">已停用(' + esc(DISABLED[e.disabledReason] || e.disabledReason || "") + ")</span>") +
      "</td><td>" + esc(e.lastStatus ? "HTTP " + e.lastStatus : "") + (e.lastError ? " " + esc(e.lastError) : "") + '</td><td class="row"><button type="button" class="secondary" data-test-endpoint="' + esc(e.id) + '">发送测试事件</button>' +
      '<a href="#/admin/webhooks/' + esc(e.id) + '">推送记录</a><button type="button" class="secondary" data-toggle-endpoint="' + esc(e.id) + '" data-enabled="' + e.enabled + '">' + (e.enabled ? "停用" : "启用") + "</button>" +
      '<button type="button" class="secondary" data-rotate-endpoint="' + esc(e.id) + '">更换密钥</button></td></tr>');
    const subs = d.feedSubscriptions.filter((s) => s.enabled);
    shell("webhooks", '<div id="secret-slot"></div><p id="test-result" role="status"></p><section class="card">' + table("推送地址", ["地址", "订阅", "状态", "最近结果", "操作"], rows) + "</section>" +
      '<section class="card" aria-labelledby="h-new-ep"><h2 id="h-new-ep">添加推送地址</h2>' + (subs.length ? '<form id="new-endpoint">' +
        '<label for="ne-sub">订阅</label><select id="ne-sub">' + subs.map((s) => '<option value="' + esc(s.id) + '">' + esc(s.name) + "</option>").join("") + "</select>" +
        '<label for="ne-url">合作方接收地址(http 或 https)</label><input type="text" id="ne-url" inputmode="url" required>' +
        '<label for="ne-desc">说明</label><input type="text" id="ne-desc">' +
        '<div class="row"><button type="submit">添加</button></div></form>' : '<p class="muted">请先建立订阅。</p>') + "</section>");
    const showSecret = (secret) => { $("#secret-slot").innerHTML = secretBanner("推送签名密钥", secret); $("#secret-once").focus(); };
    $$("[data-test-endpoint]").forEach((b) => b.addEventListener("click", () => sendTest(b.dataset.testEndpoint)));
    $$("[data-toggle-endpoint]").forEach((b) => b.addEventListener("click", () => {
      const on = b.dataset.enabled === "true";
      act("mutation($id: ID!) { " + (on ? "disableWebhookEndpoint" : "enableWebhookEndpoint") + "(id: $id) { id } }", { id: b.dataset.toggleEndpoint }, on ? "推送地址已停用" : "推送地址已启用");
    }));
    $$("[data-rotate-endpoint]").forEach((b) => b.addEventListener("click", () =>
      act("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", { id: b.dataset.rotateEndpoint }, "密钥已更换(旧密钥 1 天内仍会签名)",
        async (out) => { await C.route(); showSecret(out.rotateWebhookSecret.secret); })));
    if ($("#new-endpoint")) $("#new-endpoint").addEventListener("submit", (e) => {
      e.preventDefault();
      act("mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id } } }",
        { i: { subscriptionId: $("#ne-sub").value, url: $("#ne-url").value.trim(), description: $("#ne-desc").value.trim() || null } }, "推送地址已添加",
        async (out) => { await C.route(); showSecret(out.createWebhookEndpoint.secret); });
    });
  }

  async function deliveries(id) {
    const d = await gql("query($id: ID!) { webhookEndpoint(id: $id) { id url enabled cursor } webhookDeliveries(endpointId: $id, first: 100) { id seq eventType storyId state createdAt deliveredAt attempts { at statusCode verdict error replay } } }", { id });
    const ep = d.webhookEndpoint;
    const rows = d.webhookDeliveries.map((x) => {
      const a = x.attempts[x.attempts.length - 1];
      return '<tr data-delivery="' + esc(x.id) + '"><td>' + (x.eventType === "webhook.test" ? "测试" : x.seq) + "</td><td>" + esc(x.eventType) + "</td><td>" +
        (x.storyId ? '<a href="#/publish/' + esc(x.storyId) + '">' + esc(x.storyId) + "</a>" : "") + '</td><td class="state-' + esc(x.state) + '">' + esc(DELIVERY[x.state] || x.state) +
        "</td><td>" + x.attempts.length + " 次;" + esc(attemptText(a)) + "</td><td>" + esc(when(a ? a.at : x.createdAt)) + "</td><td>" +
        (x.eventType === "webhook.test" ? "" : '<button type="button" class="secondary" data-replay-delivery="' + esc(x.id) + '">重新推送</button>') + "</td></tr>";
    });
    shell("webhooks", '<section class="card"><h2>推送记录:<code>' + esc(ep.url) + "</code></h2><p>" + (ep.enabled ? "启用" : '<span class="late">已停用</span>') + ",已推送到第 " + ep.cursor + " 条。</p>" +
      '<div class="row"><button type="button" id="send-test">发送测试事件</button><a href="#/admin/webhooks">返回推送地址</a></div><p id="test-result" role="status"></p>' +
      table("最近的推送(新的在前)", ["序号", "事件", "稿件", "状态", "尝试", "时间", "操作"], rows) + "</section>");
    $("#send-test").addEventListener("click", async () => { await sendTest(ep.id); const keep = $("#test-result").outerHTML; await C.route(); $("#test-result").outerHTML = keep; });
    $$("[data-replay-delivery]").forEach((b) => b.addEventListener("click", () =>
      act("mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }", { id: b.dataset.replayDelivery }, "已重新排队推送")));
  }

  C.register(/^#\/admin(?:\/(\w+)(?:\/([^/]+))?)?$/, "admin", admin);
})();
