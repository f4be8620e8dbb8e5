/* 融汇编辑台 — the only place that talks to the hub: the public GraphQL API (/graphql, its
   newsroomEvents subscription), the media upload endpoint (/media/uploads), the 问政
   figures' export (/wenzheng/figures.csv|.xlsx) and the console's cookie session (/console/session). No token ever reaches this script: the
   session cookie is HttpOnly; the CSRF value from the readable cookie goes in a header. */
"use strict";

const Hub = (() => {
  const ENDPOINTS = Object.freeze({ graphql: "/graphql", upload: "/media/uploads", session: "/console/session",
    wenzhengFigures: "/wenzheng/figures" });

  class ApiError extends Error {
    constructor(code, message, details) { super(message); this.code = code; this.details = details || {}; }
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)ronghub_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function firstError(body, status) {
    const e = (body && body.errors && body.errors[0]) || {};
    const ext = e.extensions || {};
    return new ApiError(ext.code || "HTTP_" + status, e.message || ("请求失败(" + status + ")"), ext.details);
  }

  let refreshing = null;
  let onSignedOut = () => {};

  async function refresh() {
    if (!refreshing) {
      refreshing = fetch(ENDPOINTS.session + "/refresh", {
        method: "POST", credentials: "same-origin", headers: { "x-ronghub-csrf": csrf() },
      }).then((r) => r.ok).finally(() => { setTimeout(() => { refreshing = null; }, 0); });
    }
    return refreshing;
  }

  // One request with the session; an expired access token is refreshed once and retried.
  async function send(url, init, retried) {
    const headers = Object.assign({ "x-ronghub-csrf": csrf() }, init.headers || {});
    const response = await fetch(url, Object.assign({}, init, { headers, credentials: "same-origin" }));
    if (response.status === 401 && !retried) {
      const body = await response.json().catch(() => ({}));
      const code = firstError(body, 401).code;
      if (code === "TOKEN_EXPIRED" && (await refresh())) return send(url, init, true);
      onSignedOut();
      throw firstError(body, 401);
    }
    return response;
  }

  async function gql(query, variables) {
    const response = await send(ENDPOINTS.graphql, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || (body.errors && body.errors.length)) throw firstError(body, response.status);
    return body.data;
  }

  async function upload(file, meta) {
    const params = new URLSearchParams(Object.assign({ filename: file.name }, meta || {}));
    const response = await send(ENDPOINTS.upload + "?" + params, {
      method: "POST", headers: { "content-type": file.type || "application/octet-stream" }, body: file,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw firstError(body, response.status);
    return body;
  }

  // The 问政 figures as a file (format csv or xlsx), with the session: its bytes and name.
  async function wenzhengFigures(format, params) {
    if (!["csv", "xlsx"].includes(format)) throw new ApiError("INVALID_INPUT", "导出格式应为 CSV 或 Excel");
    const response = await send(ENDPOINTS.wenzhengFigures + "." + format + "?" + new URLSearchParams(params || {}), { method: "GET" });
    if (!response.ok) throw firstError(await response.json().catch(() => ({})), response.status);
    const m = (response.headers.get("content-disposition") || "").match(/filename="([^"]+)"/);
    return { blob: await response.blob(), filename: m ? m[1] : "wenzheng." + format };
  }

  // A picture the hub draws (e.g. /reach/charts/*.svg), fetched with the session: an object URL for <img>.
  async function image(url) {
    const response = await send(url, { method: "GET" });
    if (!response.ok) throw firstError(await response.json().catch(() => ({})), response.status);
    return URL.createObjectURL(await response.blob());
  }

  async function signIn(username, password) {
    const response = await fetch(ENDPOINTS.session, {
      method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw firstError(body, response.status);
    return body;
  }

  async function signOut() {
    await fetch(ENDPOINTS.session + "/end", { method: "POST", credentials: "same-origin", headers: { "x-ronghub-csrf": csrf() } });
  }

  // newsroomEvents over graphql-transport-ws: the cookie goes with the handshake, the CSRF
  // value in connection_init. Reconnects (after a refresh) and resumes after the last seq.
  function live(topics, onEvent) {
    let socket = null; let stopped = false; let last = null; let retry = 1000;
    const open = () => {
      if (stopped) return;
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + ENDPOINTS.graphql;
      socket = new WebSocket(url, "graphql-transport-ws");
      socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: { csrf: csrf() } }));
      socket.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === "connection_ack") {
          retry = 1000;
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: {
            query: "subscription($t: [NewsroomTopic!], $a: Int) { newsroomEvents(topics: $t, after: $a) { topic kind subjectId actor seq data } }",
            variables: { t: topics, a: last } } }));
        } else if (msg.type === "next" && msg.payload && msg.payload.data) {
          const ev = msg.payload.data.newsroomEvents; last = ev.seq; onEvent(ev);
        } else if (msg.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
      };
      socket.onclose = async (e) => {
        if (stopped) return;
        if (e.code === 4401) await refresh();
        setTimeout(open, retry); retry = Math.min(retry * 2, 30000);
      };
    };
    open();
    return () => { stopped = true; if (socket) socket.close(); };
  }

  return { gql, upload, image, wenzhengFigures, signIn, signOut, live, refresh, ApiError, ENDPOINTS,
           set onSignedOut(fn) { onSignedOut = fn; } };
})();
