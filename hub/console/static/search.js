/* 融汇编辑台 — 检索: search the center's stories; facets (栏目, 类型, 状态, 标签, 融媒号, 渠道)
   narrow the results when pressed, matches are highlighted, 你要找的是不是 offers the
   corrected query. */
"use strict";

(() => {
  const C = window.Console;
  const { $, $$, esc, page, list, failed, STATUS } = C;
  const FACET = { column: "栏目", type: "类型", status: "状态", tags: "标签", account: "融媒号", channels: "渠道" };
  const TYPE = { article: "图文", gallery: "图集", video: "视频", audio: "音频", live: "直播", special: "专题" };
  // facet field -> SearchFilter field, and how a facet value is written there
  const FILTER = { column: ["columnIds", (v) => v], type: ["types", (v) => v.toUpperCase()], status: ["statuses", (v) => v.toUpperCase()],
    tags: ["tags", (v) => v], account: ["accounts", (v) => v], channels: ["channels", (v) => v] };
  const SORT = { RELEVANCE: "相关度", PUBLISHED_AT: "发布时间", UPDATED_AT: "更新时间" };
  // only <mark>/<em> from the engine's fragments become markup; everything else is text
  const fragment = (f) => esc(f).replace(/&lt;(\/?)(mark|em|b)&gt;/g, "<$1mark>").replace(/<(\/?)mark>/g, "<$1mark>");

  async function search() {
    const meta = await Hub.gql("{ columns { id name } channels { name titleZh } }");
    const names = { column: Object.fromEntries(meta.columns.map((c) => [c.id, c.name])), channels: Object.fromEntries(meta.channels.map((c) => [c.name, c.titleZh])),
      type: TYPE, status: Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [k.toLowerCase(), v])) };
    const chosen = {};  // facet field -> Set of values
    page("检索", '<form id="search" role="search" class="row"><label for="q" class="inline">关键词</label><input type="search" id="q" class="grow">' +
      '<label for="sort" class="inline">排序</label><select id="sort">' + Object.entries(SORT).map(([k, v]) => '<option value="' + k + '">' + v + "</option>").join("") + "</select>" +
      '<button type="submit">搜索</button></form><div id="results" aria-live="polite"></div>');
    const label = (field, value) => ((names[field] || {})[value] || value);
    async function run() {
      const filter = {};
      Object.entries(chosen).forEach(([field, values]) => { if (values.size) filter[FILTER[field][0]] = Array.from(values).map(FILTER[field][1]); });
      const r = (await Hub.gql("query($q: String!, $f: SearchFilter, $s: SearchSort!) { search(query: $q, filter: $f, first: 20, sort: $s) { totalCount didYouMean facets { field values { value count } } " +
        "edges { node { story { id title status updatedAt } highlights { field fragments } } } } }", { q: $("#q").value, f: Object.keys(filter).length ? filter : null, s: $("#sort").value })).search;
      $("#results").innerHTML = "<p>共 " + r.totalCount + " 篇" + (r.didYouMean ? ",以下为“" + esc(r.didYouMean) + "”的结果" : "") + "</p>" +
        '<div class="cols"><div>' + list(r.edges.map((x) => x.node), (n) => '<a href="#/story/' + esc(n.story.id) + '">' + esc(n.story.title) + "</a> <span class=\"muted\">" +
          esc(STATUS[n.story.status] || n.story.status) + "</span>" + n.highlights.map((h) => '<div class="hit">' + h.fragments.map(fragment).join(" … ") + "</div>").join("")) + "</div>" +
        '<aside class="card" aria-labelledby="h-facets"><h2 id="h-facets">筛选</h2>' + r.facets.filter((f) => FILTER[f.field] && f.values.length).map((f) => '<div class="facet"><h3>' + esc(FACET[f.field] || f.field) + "</h3>" +
          f.values.slice(0, 12).map((v) => '<button type="button" class="chip" data-facet="' + esc(f.field) + '" data-value="' + esc(v.value) + '" aria-pressed="' +
            String(Boolean(chosen[f.field] && chosen[f.field].has(v.value))) + '">' + esc(label(f.field, v.value)) + " <span>" + v.count + "</span></button>").join(" ") + "</div>").join("") + "</aside></div>";
      $$("[data-facet]").forEach((b) => b.addEventListener("click", () => {
        const set = chosen[b.dataset.facet] = chosen[b.dataset.facet] || new Set();
        if (set.has(b.dataset.value)) set.delete(b.dataset.value); else set.add(b.dataset.value);
        run().catch(failed);
      }));
    }
    $("#search").addEventListener("submit", (e) => { e.preventDefault(); run().catch(failed); });
    $("#sort").addEventListener("change", () => run().catch(failed));
  }

  C.register(/^#\/search$/, "search", search);
})();
