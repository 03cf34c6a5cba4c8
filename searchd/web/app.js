/* app.js - the Byline search page: the search state lives in the URL; results, facets, the date
 * histogram, suggestions and the article view are drawn from byline-searchd's JSON API.
 *
 * Article content is never treated as markup: every node is built with textContent, and the
 * snippets' <mark> highlights (the API escapes everything else) are the only elements made
 * from API text. The page's Content-Security-Policy forbids inline script and, with Trusted
 * Types, any innerHTML-like sink, so a slip here would fail loudly rather than run. */
'use strict';

(function () {
  const PAGE_SIZE = 10;
  const MAX_OFFSET = 10000; /* the API's deepest offset */
  const RECENCY = '30d'; /* half-life used by the "Favour recent" toggle */
  const FACETS = ['category', 'source', 'lang'];
  const FACET_LABELS = { category: 'Category', source: 'Source', lang: 'Language' };
  const FACET_SHOWN = 8; /* values shown before "Show more" */
  const MAX_BARS = 60; /* histogram buckets are merged beyond this */
  const SEARCH_DELAY = 250; /* ms after the last keystroke before searching */
  const SUGGEST_DELAY = 80;

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('search-form'), q: $('q'), suggestions: $('suggestions'), status: $('status'),
    sort: $('sort'), recency: $('recency'), chips: $('chips'), dym: $('did-you-mean'),
    error: $('error'), errorTitle: $('error-title'), errorMessage: $('error-message'),
    retry: $('retry'), empty: $('empty'), emptyMessage: $('empty-message'),
    emptyFiltersTip: $('empty-filters-tip'), emptyClear: $('empty-clear'), hits: $('hits'),
    pagination: $('pagination'), resultsView: $('results-view'),
    resultsHeading: $('results-heading'), articleView: $('article-view'),
    articleBody: $('article-body'), related: $('related'), backLink: $('back-to-results'),
    filters: $('filters'), filtersToggle: $('filters-toggle'), clearFilters: $('clear-filters'),
    filtersDone: $('filters-done'),
    histogram: $('histogram'), axisStart: $('axis-start'), axisEnd: $('axis-end'),
    from: $('from'), to: $('to'), clearDates: $('clear-dates'), main: $('main'),
  };

  /* ---- Small helpers ---------------------------------------------------------------- */

  /* Creates an element with attributes (strings; booleans add or leave out) and children
   * (nodes or strings, which become text nodes). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

  /* Appends a snippet to parent. The API HTML-escapes snippets and adds only <mark> and
   * </mark>: split on those, turn the escapes back into characters, and add text nodes. */
  function appendSnippet(parent, snippet) {
    let mark = null;
    for (const part of String(snippet || '').split(/(<mark>|<\/mark>)/)) {
      if (part === '<mark>') {
        mark = h('mark');
        parent.append(mark);
      } else if (part === '</mark>') {
        mark = null;
      } else if (part) {
        const text = part.replace(/&(?:lt|gt|amp|quot|#39);/g, (e) => ENTITIES[e]);
        (mark || parent).append(text);
      }
    }
  }

  /* The URL when it is http(s), else null: never a javascript: or data: link. */
  function safeUrl(url) {
    if (typeof url !== 'string') return null;
    try {
      const u = new URL(url);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  const numberFmt = new Intl.NumberFormat();
  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTimeFmt = new Intl.DateTimeFormat(undefined,
    { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  const monthFmt = new Intl.DateTimeFormat(undefined,
    { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const hourFmt = new Intl.DateTimeFormat(undefined,
    { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  let langNames = null;
  try {
    langNames = new Intl.DisplayNames(['en'], { type: 'language' });
  } catch (e) { /* older browsers show the code */ }

  function langName(code) {
    try {
      const name = langNames && langNames.of(code);
      if (name && name !== code) return name;
    } catch (e) { /* not a language code */ }
    return code;
  }

  function formatDate(iso) {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? '' : dateFmt.format(t);
  }

  function formatMs(ms) {
    if (typeof ms !== 'number') return '';
    return ms < 10 ? ms.toFixed(1) + ' ms' : Math.round(ms) + ' ms';
  }

  function plural(n, one, many) {
    return numberFmt.format(n) + ' ' + (n === 1 ? one : many);
  }

  /* ---- State and URL ---------------------------------------------------------------- */

  /* The page's state, read from a query string. Unknown parameters are ignored. */
  function readState(search) {
    const p = new URLSearchParams(search);
    const page = parseInt(p.get('page') || '1', 10);
    const state = {
      q: p.get('q') || '',
      from: p.get('from') || '',
      to: p.get('to') || '',
      sort: p.get('sort') || 'relevance',
      recency: p.get('recency') || '',
      page: page >= 1 ? page : 1,
      article: p.get('article') || '',
    };
    for (const f of FACETS) state[f] = [...new Set(p.getAll(f).filter(Boolean))];
    return state;
  }

  function stateParams(s) {
    const p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    for (const f of FACETS) for (const v of s[f]) p.append(f, v);
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
    if (s.sort && s.sort !== 'relevance') p.set('sort', s.sort);
    if (s.recency) p.set('recency', s.recency);
    if (s.page > 1) p.set('page', String(s.page));
    if (s.article) p.set('article', s.article);
    return p;
  }

  function stateUrl(s) {
    const qs = stateParams(s).toString();
    return location.pathname + (qs ? '?' + qs : '');
  }

  /* A state like s with changes; a change to what is searched goes back to page 1. */
  function withChanges(s, changes) {
    const next = { ...s, article: '', page: 1, ...changes };
    for (const f of FACETS) next[f] = [...next[f]];
    return next;
  }

  function hasFilters(s) {
    return FACETS.some((f) => s[f].length) || !!s.from || !!s.to;
  }

  /* The /search parameters for a state. */
  function searchParams(s) {
    const p = new URLSearchParams();
    p.set('q', s.q);
    for (const f of FACETS) for (const v of s[f]) p.append(f, v);
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
    if (s.sort !== 'relevance') p.set('sort', s.sort);
    if (s.recency) p.set('recency', s.recency);
    p.set('limit', String(PAGE_SIZE));
    p.set('offset', String((s.page - 1) * PAGE_SIZE));
    p.set('facets', 'category,source,lang,date');
    return p;
  }

  let current = readState(location.search);
  let typingEntry = false; /* the current history entry was made while typing */

  /* Moves to a new state: a new history entry, or (replace) the current one. */
  function go(next, options) {
    const opts = options || {};
    const url = stateUrl(next);
    const was = history.state || {};
    /* depth: how many article views in a row lead here from the results. */
    const depth = !next.article ? 0
      : !current.article ? 1 : (was.depth || 0) + (opts.replace ? 0 : 1);
    const entry = { fromPage: true, depth };
    if (opts.replace) {
      history.replaceState(entry, '', url);
    } else {
      history.replaceState({ ...was, scroll: window.scrollY }, '');
      history.pushState(entry, '', url);
    }
    typingEntry = !!opts.typing;
    current = next;
    render(opts);
  }

  window.addEventListener('popstate', () => {
    typingEntry = false;
    current = readState(location.search);
    const y = history.state && history.state.scroll;
    render({ fromHistory: true });
    if (typeof y === 'number' && !current.article) window.scrollTo(0, y);
  });

  /* ---- Talking to the API ----------------------------------------------------------- */

  class ApiError extends Error {
    constructor(status, body) {
      const err = body && body.error ? body.error : null;
      super(err && err.message ? err.message : 'the server answered ' + status);
      this.status = status;
      this.code = err ? err.code : null;
      this.param = err ? err.param : null;
    }
  }

  async function getJson(path, signal) {
    const res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
    let body = null;
    try {
      body = await res.json();
    } catch (e) { /* not JSON */ }
    if (!res.ok || body === null) throw new ApiError(res.status, body);
    return body;
  }

  const cache = new Map(); /* search parameters -> [time, response] */
  let searchController = null;
  let searchSeq = 0;

  /* ---- Rendering ---------------------------------------------------------------------- */

  function render(opts) {
    const o = opts || {};
    syncControls(o);
    document.body.classList.toggle('reading', !!current.article);
    if (current.article) {
      showArticle(current.article);
    } else {
      el.articleView.hidden = true;
      el.resultsView.hidden = false;
      runSearch(o);
    }
  }

  /* Puts the controls in line with the state (after history moves and on load). */
  function syncControls(o) {
    if (document.activeElement !== el.q || o.fromHistory) el.q.value = current.q;
    el.sort.value = ['relevance', 'newest', 'oldest'].includes(current.sort)
      ? current.sort : 'relevance';
    el.recency.checked = !!current.recency;
    el.recency.disabled = current.sort !== 'relevance';
    const range = dateRange(current);
    el.from.value = range.fromDay;
    el.to.value = range.toDay;
    el.clearDates.hidden = !current.from && !current.to;
    el.clearFilters.hidden = !hasFilters(current);
    const n = FACETS.reduce((a, f) => a + current[f].length, 0) +
      (current.from || current.to ? 1 : 0);
    el.filtersToggle.textContent = n ? 'Filters (' + n + ')' : 'Filters';
    renderChips();
  }

  async function runSearch(o) {
    const params = searchParams(current);
    const key = params.toString();
    const hit = cache.get(key);
    if (searchController) searchController.abort();
    if (hit && Date.now() - hit[0] < 30000 && !o.noCache) {
      searchSeq++; /* whatever was on its way is no longer wanted */
      setBusy(false);
      showResults(hit[1], o);
      return;
    }
    const controller = new AbortController();
    searchController = controller;
    const seq = ++searchSeq;
    setBusy(true);
    try {
      const data = await getJson('search?' + key, controller.signal);
      if (seq !== searchSeq) return;
      cache.set(key, [Date.now(), data]);
      if (cache.size > 40) cache.delete(cache.keys().next().value);
      showResults(data, o);
    } catch (e) {
      if (e.name === 'AbortError' || seq !== searchSeq) return;
      /* Half-typed syntax ("rail AND"): keep the results shown and say what is missing,
       * instead of an error page at every keystroke. */
      if (o.typing && e instanceof ApiError && e.code === 'query_syntax' && el.error.hidden) {
        el.status.textContent = 'Keep typing: ' + e.message;
        return;
      }
      showError(e);
    } finally {
      if (seq === searchSeq) setBusy(false);
    }
  }

  function setBusy(busy) {
    el.main.classList.toggle('busy', busy);
    el.hits.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function showError(e) {
    el.error.hidden = false;
    el.empty.hidden = true;
    el.dym.hidden = true;
    el.hits.replaceChildren();
    el.pagination.hidden = true;
    el.status.textContent = '';
    const refused = e instanceof ApiError && e.status >= 400 && e.status < 500;
    /* A request the API refused will be refused again: offer a fresh search instead. */
    el.retry.textContent = refused ? 'Start over with just the words' : 'Try again';
    el.retry.dataset.reset = refused ? 'true' : '';
    if (e instanceof ApiError) {
      el.errorTitle.textContent = e.status === 503 ? 'The index is unavailable'
        : refused ? 'This search could not be run' : 'Search failed';
      el.errorMessage.textContent = e.message.charAt(0).toUpperCase() + e.message.slice(1) +
        (e.param ? ' (parameter “' + e.param + '”).' : '.');
    } else {
      el.errorTitle.textContent = 'Cannot reach Byline';
      el.errorMessage.textContent =
        'The search service did not answer. Check that byline-searchd is running, then try again.';
    }
  }

  function showResults(data, o) {
    el.error.hidden = true;
    const q = current.q.trim();
    const first = data.offset + 1;
    const last = data.offset + data.hits.length;
    const total = numberFmt.format(data.total) + (data.total_relation === 'gte' ? '+' : '');
    let text;
    if (!data.hits.length) {
      text = data.total ? 'No results on this page' : 'No results';
    } else if (!q && !hasFilters(current)) {
      text = 'Latest news: ' + numberFmt.format(first) + '–' + numberFmt.format(last) +
        ' of ' + total + ' articles';
    } else {
      text = numberFmt.format(first) + '–' + numberFmt.format(last) + ' of ' + total +
        (data.total === 1 ? ' result' : ' results');
    }
    el.status.replaceChildren(text, q ? ' for ' : '', q ? h('q', { text: q }) : '',
      h('span', { class: 'took', text: ' · ' + formatMs(data.took_ms) }),
      data.timed_out ? h('span', { class: 'took', text: ' · stopped early, results may be incomplete' }) : '');

    el.filtersDone.textContent = data.total
      ? 'Show ' + plural(data.total, 'result', 'results') : 'Show results';
    renderDidYouMean(data.corrected_query);
    renderHits(data.hits);
    renderEmpty(data);
    renderPagination(data);
    renderFacets(data.facets || {});
    renderHistogram((data.facets || {}).date);
    document.title = (q ? q + ' — ' : '') + 'Byline';
    if (o.focusResults) {
      el.resultsHeading.focus({ preventScroll: true });
      el.resultsView.scrollIntoView({ block: 'start' });
    }
  }

  function renderDidYouMean(corrected) {
    if (!corrected || corrected === current.q) {
      el.dym.hidden = true;
      return;
    }
    const next = withChanges(current, { q: corrected });
    el.dym.replaceChildren('Did you mean ',
      h('a', { href: stateUrl(next), 'data-nav': '', class: 'dym-link', text: corrected }), '?');
    el.dym.hidden = false;
  }

  function renderEmpty(data) {
    const none = data.total === 0;
    const pastEnd = !none && data.hits.length === 0;
    el.empty.hidden = !none && !pastEnd;
    if (el.empty.hidden) return;
    const q = current.q.trim();
    if (pastEnd) {
      el.emptyMessage.replaceChildren('This page is past the last result. ',
        h('a', { href: stateUrl({ ...current, page: 1 }), 'data-nav': '', text: 'Go to the first page' }), '.');
    } else if (q) {
      el.emptyMessage.replaceChildren('Nothing matches ', h('q', { text: q }),
        hasFilters(current) ? ' with the filters chosen.' : '.');
    } else {
      el.emptyMessage.textContent = 'No article matches the filters chosen.';
    }
    el.emptyFiltersTip.hidden = !hasFilters(current);
  }

  function renderHits(hits) {
    const nodes = hits.map((hit, i) => hitNode(hit, i));
    el.hits.replaceChildren(...nodes);
    el.hits.start = current.page > 1 ? (current.page - 1) * PAGE_SIZE + 1 : 1;
  }

  function articleHref(id) {
    return stateUrl({ ...current, article: id });
  }

  function hitNode(hit) {
    const url = safeUrl(hit.url);
    const title = hit.title || '(untitled)';
    const link = url
      ? h('a', { class: 'hit-link', href: url, text: title })
      : h('a', { class: 'hit-link', href: articleHref(hit.id), 'data-nav': '', text: title });
    const meta = h('p', { class: 'hit-meta' });
    const bits = [];
    if (hit.source) bits.push(h('span', { class: 'hit-source', text: hit.source }));
    if (hit.date) bits.push(h('time', { datetime: hit.date, text: formatDate(hit.date) }));
    if (hit.lang && hit.lang !== 'en') {
      bits.push(h('span', { class: 'hit-lang', title: langName(hit.lang), text: hit.lang.toUpperCase() }));
    }
    if (hit.author && hit.author.length) bits.push(h('span', { text: hit.author.join(', ') }));
    if (hit.collapsed) bits.push(h('span', { text: plural(hit.collapsed, 'similar article', 'similar articles') }));
    bits.forEach((b, i) => {
      if (i) meta.append(h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }));
      meta.append(b);
    });
    const snippet = h('p', { class: 'hit-snippet' });
    appendSnippet(snippet, hit.snippet);
    const foot = h('div', { class: 'hit-foot' });
    for (const c of hit.categories || []) {
      const on = current.category.includes(c);
      foot.append(h('button', {
        type: 'button', class: 'cat' + (on ? ' on' : ''), 'data-category': c,
        'aria-pressed': on ? 'true' : 'false', 'aria-label': 'Category ' + c, text: c,
      }));
    }
    foot.append(h('a', { class: 'details', href: articleHref(hit.id), 'data-nav': '',
      'data-article': hit.id, 'aria-label': 'Details and related articles: ' + title,
      text: 'Details and related' }));
    return h('li', { class: 'hit', 'data-id': hit.id },
      h('article', {}, h('h2', { class: 'hit-title' }, link), meta, snippet, foot));
  }

  function renderPagination(data) {
    const pages = Math.min(Math.ceil(data.total / PAGE_SIZE), Math.floor(MAX_OFFSET / PAGE_SIZE) + 1);
    const page = current.page;
    if (pages <= 1 && page <= 1) {
      el.pagination.hidden = true;
      el.pagination.replaceChildren();
      return;
    }
    const list = h('ul');
    const link = (p, label, attrs) => h('li', {}, h('a', {
      href: stateUrl({ ...current, page: p }), 'data-nav': '', 'data-page': p, ...attrs,
    }, label));
    if (page > 1) list.append(link(page - 1, '← Previous', { rel: 'prev', class: 'step' }));
    const shown = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2]);
    let gap = false;
    for (let p = 1; p <= pages; p++) {
      if (!shown.has(p)) {
        if (!gap) list.append(h('li', { class: 'gap', 'aria-hidden': 'true', text: '…' }));
        gap = true;
        continue;
      }
      gap = false;
      if (p === page) {
        list.append(h('li', {}, h('span', { class: 'current', 'aria-current': 'page', text: String(p) })));
      } else {
        list.append(link(p, String(p), { 'aria-label': 'Page ' + p }));
      }
    }
    if (page < pages) list.append(link(page + 1, 'Next →', { rel: 'next', class: 'step' }));
    el.pagination.replaceChildren(list);
    el.pagination.hidden = false;
  }

  /* ---- Facets --------------------------------------------------------------------------- */

  const expanded = { category: false, source: false, lang: false };

  function renderFacets(facets) {
    const active = document.activeElement;
    const refocus = active && active.dataset && active.dataset.facet
      ? [active.dataset.facet, active.value, active.classList.contains('more')] : null;
    for (const f of FACETS) {
      const list = $('facet-' + f);
      const values = (facets[f] || []).map((v) => ({ value: v.value, count: v.count }));
      for (const chosen of current[f]) {
        if (!values.some((v) => v.value.toLowerCase() === chosen.toLowerCase())) {
          values.push({ value: chosen, count: 0 });
        }
      }
      const items = [];
      values.forEach((v, i) => {
        const on = current[f].some((c) => c.toLowerCase() === v.value.toLowerCase());
        const hidden = i >= FACET_SHOWN && !expanded[f] && !on;
        const label = f === 'lang' ? langName(v.value) : v.value;
        const id = 'f-' + f + '-' + i;
        items.push(h('li', { class: 'facet-option' + (v.count ? '' : ' zero'), hidden },
          h('input', { type: 'checkbox', id, value: v.value, 'data-facet': f, checked: on }),
          h('label', { for: id },
            h('span', { class: 'facet-name' + (f === 'category' ? ' cap' : ''), text: label }),
            f === 'lang' ? h('span', { class: 'facet-code', text: v.value }) : null,
            h('span', { class: 'facet-count', text: numberFmt.format(v.count) }))));
      });
      if (values.length > FACET_SHOWN) {
        items.push(h('li', { class: 'facet-more' }, h('button', {
          type: 'button', class: 'link-button more', 'data-facet': f,
          'aria-expanded': expanded[f] ? 'true' : 'false',
          text: expanded[f] ? 'Show fewer' : 'Show all ' + values.length,
        })));
      }
      if (!items.length) items.push(h('li', { class: 'facet-none', text: 'None' }));
      list.replaceChildren(...items);
    }
    if (refocus) {
      const sel = refocus[2] ? 'button.more[data-facet="' + refocus[0] + '"]'
        : 'input[data-facet="' + refocus[0] + '"]';
      const again = [...el.filters.querySelectorAll(sel)]
        .find((n) => refocus[2] || n.value === refocus[1]);
      if (again) again.focus();
    }
  }

  el.filters.addEventListener('change', (e) => {
    const input = e.target;
    if (input.type !== 'checkbox' || !input.dataset.facet) return;
    const f = input.dataset.facet;
    const values = current[f].filter((v) => v.toLowerCase() !== input.value.toLowerCase());
    if (input.checked) values.push(input.value);
    go(withChanges(current, { [f]: values }));
  });

  el.filters.addEventListener('click', (e) => {
    const more = e.target.closest('button.more');
    if (!more) return;
    expanded[more.dataset.facet] = !expanded[more.dataset.facet];
    const hit = cache.get(searchParams(current).toString());
    if (hit) renderFacets(hit[1].facets || {});
  });

  function clearAll() {
    const next = withChanges(current, { from: '', to: '' });
    for (const f of FACETS) next[f] = [];
    go(next);
  }
  el.clearFilters.addEventListener('click', clearAll);
  el.emptyClear.addEventListener('click', clearAll);

  /* ---- Active-filter chips ------------------------------------------------------------- */

  function renderChips() {
    const chips = [];
    for (const f of FACETS) {
      for (const v of current[f]) {
        chips.push(chip(FACET_LABELS[f] + ': ' + (f === 'lang' ? langName(v) : v), () => {
          go(withChanges(current, { [f]: current[f].filter((x) => x !== v) }));
        }));
      }
    }
    if (current.from || current.to) {
      const r = dateRange(current);
      const label = r.fromDay && r.toDay ? rangeLabel(r) : r.fromDay ? 'From ' + r.fromDay
        : r.toDay ? 'Until ' + r.toDay : (current.from || '…') + ' – ' + (current.to || '…');
      chips.push(chip('Published: ' + label, () => go(withChanges(current, { from: '', to: '' }))));
    }
    el.chips.replaceChildren(...chips);
    el.chips.hidden = !chips.length;
  }

  function chip(label, remove) {
    const button = h('button', { type: 'button', class: 'chip', 'aria-label': 'Remove filter ' + label },
      h('span', { text: label }), h('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }));
    button.addEventListener('click', remove);
    return h('li', {}, button);
  }

  function rangeLabel(r) {
    if (r.fromDay === r.toDay) return dateFmt.format(r.lo);
    return dateFmt.format(r.lo) + ' – ' + dateFmt.format(r.hi);
  }

  /* ---- Dates and the histogram ---------------------------------------------------------- */

  const DAY = 86400000;

  /* Milliseconds at the start of day d of month mo (0-11) of year y, UTC. Date.UTC would read
   * years below 100 as 19xx. */
  function utc(y, mo, d) {
    const t = new Date(0);
    t.setUTCFullYear(y, mo, d);
    return t.getTime();
  }

  /* Whether year y, month mo (0-11) and day d name a real day: a month 13 or a 30 February
   * would otherwise roll over into a later date. */
  function realDay(y, mo, d) {
    const t = new Date(utc(y, mo, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === mo && t.getUTCDate() === d;
  }

  /* The first (or, with `end`, the last) millisecond of a from/to value, or NaN for a value
   * the page does not read as a date: an impossible one such as 2024-13 (which the server
   * refuses, and says why), or a form of the server's it does not know. The chip then shows
   * the value as given. Times without a zone are UTC, as the server reads them. */
  function parseBound(text, end) {
    let m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
    if (m) {
      const y = +m[1];
      const mo = m[2] ? +m[2] - 1 : 0;
      const d = m[3] ? +m[3] : 1;
      if (!realDay(y, mo, d)) return NaN;
      if (!end) return utc(y, mo, d);
      if (m[3]) return utc(y, mo, d) + DAY - 1;
      if (m[2]) return utc(y, mo + 1, 1) - 1;
      return utc(y + 1, 0, 1) - 1;
    }
    m = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
    if (!m || !realDay(+m[1], +m[2] - 1, +m[3])) return NaN;
    return Date.parse(text.replace(' ', 'T') + (m[4] ? '' : 'Z'));
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function dateRange(s) {
    const lo = s.from ? parseBound(s.from, false) : NaN;
    const hi = s.to ? parseBound(s.to, true) : NaN;
    return {
      lo, hi,
      fromDay: Number.isNaN(lo) ? '' : isoDay(lo),
      toDay: Number.isNaN(hi) ? '' : isoDay(hi),
    };
  }

  function bucketLabel(b, interval) {
    const t = Date.parse(b.from);
    if (b.merged) return bucketLabel(b.first, interval) + ' – ' + bucketLabel(b.last, interval);
    switch (interval) {
    case 'year': return b.key;
    case 'month': return monthFmt.format(t);
    case 'week': return 'Week of ' + dateFmt.format(t);
    case 'hour': return hourFmt.format(t);
    default: return dateFmt.format(t);
    }
  }

  /* Joins neighbouring buckets so that at most MAX_BARS are drawn. */
  function mergeBuckets(buckets) {
    if (buckets.length <= MAX_BARS) return buckets;
    const k = Math.ceil(buckets.length / MAX_BARS);
    const out = [];
    for (let i = 0; i < buckets.length; i += k) {
      const group = buckets.slice(i, i + k);
      out.push({
        key: group[0].key, from: group[0].from, to: group[group.length - 1].to,
        count: group.reduce((a, b) => a + b.count, 0),
        merged: group.length > 1, first: group[0], last: group[group.length - 1],
      });
    }
    return out;
  }

  let bars = []; /* the buckets drawn, with their interval */

  function renderHistogram(date) {
    const buckets = date && date.buckets ? mergeBuckets(date.buckets) : [];
    const interval = date ? date.interval : 'day';
    bars = buckets.map((b) => ({ ...b, interval }));
    const hadFocus = el.histogram.contains(document.activeElement)
      ? document.activeElement.dataset.key : null;
    if (!buckets.length) {
      el.histogram.replaceChildren(h('p', { class: 'histogram-none', text: 'No dated articles' }));
      el.axisStart.textContent = '';
      el.axisEnd.textContent = '';
      return;
    }
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const range = dateRange(current);
    const ranged = !Number.isNaN(range.lo) || !Number.isNaN(range.hi);
    const lo = Number.isNaN(range.lo) ? -Infinity : range.lo;
    const hi = Number.isNaN(range.hi) ? Infinity : range.hi;
    let tabbable = -1;
    const nodes = bars.map((b, i) => {
      const inRange = ranged && Date.parse(b.to) >= lo && Date.parse(b.from) <= hi;
      const label = bucketLabel(b, interval) + ': ' + plural(b.count, 'article', 'articles');
      const bar = h('button', {
        type: 'button', class: 'bar' + (inRange ? ' in' : '') + (ranged && !inRange ? ' out' : '') +
          (b.count ? '' : ' empty'),
        'data-index': i, 'data-key': b.key, 'data-from': b.from, 'data-to': b.to,
        'aria-pressed': inRange ? 'true' : 'false', 'aria-label': label, title: label,
        tabindex: '-1',
      }, h('span', { class: 'bar-fill' }));
      bar.firstChild.style.height = (b.count ? Math.max(4, (b.count / max) * 100) : 0) + '%';
      if (inRange && tabbable < 0) tabbable = i;
      return bar;
    });
    if (tabbable < 0) tabbable = Math.max(0, bars.findIndex((b) => b.count > 0));
    nodes[tabbable].tabIndex = 0;
    el.histogram.replaceChildren(...nodes);
    el.axisStart.textContent = bucketLabel(bars[0].merged ? bars[0].first : bars[0], interval);
    const lastBar = bars[bars.length - 1];
    el.axisEnd.textContent = bucketLabel(lastBar.merged ? lastBar.last : lastBar, interval);
    if (hadFocus) {
      const again = el.histogram.querySelector('[data-key="' + CSS.escape(hadFocus) + '"]');
      if (again) {
        nodes.forEach((n) => { n.tabIndex = -1; });
        again.tabIndex = 0;
        again.focus();
      }
    }
  }

  /* The from/to values for a bar: whole days, or exact times for hours. */
  function barBounds(b) {
    if (b.interval === 'hour') return [b.from, b.to];
    return [b.from.slice(0, 10), b.to.slice(0, 10)];
  }

  el.histogram.addEventListener('click', (e) => {
    const bar = e.target.closest('button.bar');
    if (!bar) return;
    const b = bars[+bar.dataset.index];
    let [from, to] = barBounds(b);
    if (e.shiftKey && (current.from || current.to)) {
      /* Shift-click stretches the period chosen to take in this bar. */
      const r = dateRange(current);
      if (!Number.isNaN(r.lo) && r.lo < Date.parse(b.from)) from = current.from;
      if (!Number.isNaN(r.hi) && r.hi > Date.parse(b.to)) to = current.to;
    } else if (current.from === from && current.to === to) {
      from = ''; /* a second click on the one bar chosen goes back to all dates */
      to = '';
    }
    go(withChanges(current, { from, to }));
  });

  el.histogram.addEventListener('keydown', (e) => {
    const bar = e.target.closest('button.bar');
    if (!bar) return;
    const nodes = [...el.histogram.querySelectorAll('button.bar')];
    let i = nodes.indexOf(bar);
    if (e.key === 'ArrowRight') i = Math.min(nodes.length - 1, i + 1);
    else if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = nodes.length - 1;
    else return;
    e.preventDefault();
    e.stopPropagation();
    nodes.forEach((n) => { n.tabIndex = -1; });
    nodes[i].tabIndex = 0;
    nodes[i].focus();
  });

  function onDateInput() {
    let from = el.from.value;
    let to = el.to.value;
    if (from && to && from > to) [from, to] = [to, from];
    go(withChanges(current, { from, to }));
  }
  el.from.addEventListener('change', onDateInput);
  el.to.addEventListener('change', onDateInput);
  el.clearDates.addEventListener('click', () => go(withChanges(current, { from: '', to: '' })));

  /* ---- Sort, recency, links ------------------------------------------------------------- */

  el.sort.addEventListener('change', () => go(withChanges(current, { sort: el.sort.value })));
  el.recency.addEventListener('change', () => {
    go(withChanges(current, { recency: el.recency.checked ? RECENCY : '' }));
  });
  el.retry.addEventListener('click', () => {
    cache.clear();
    if (el.retry.dataset.reset) go(withChanges(readState(''), { q: current.q }));
    else render({ noCache: true });
  });

  /* In-page links (data-nav) move through history instead of loading the page again. */
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-nav]');
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const next = readState(new URL(a.href).search);
    go(next, { focusResults: a.dataset.page !== undefined });
  });

  el.hits.addEventListener('click', (e) => {
    const cat = e.target.closest('button.cat');
    if (!cat) return;
    const c = cat.dataset.category;
    const values = current.category.includes(c)
      ? current.category.filter((v) => v !== c) : [...current.category, c];
    go(withChanges(current, { category: values }));
  });

  /* On narrow screens the filters open as a sheet over the page. */
  function openFilters(open) {
    el.filters.classList.toggle('open', open);
    document.body.classList.toggle('sheet-open', open);
    el.filtersToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) el.filtersDone.focus();
    else el.filtersToggle.focus();
  }
  el.filtersToggle.addEventListener('click', () => openFilters(true));
  el.filtersDone.addEventListener('click', () => openFilters(false));
  el.filters.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && el.filters.classList.contains('open')) {
      e.preventDefault();
      openFilters(false);
    }
  });

  el.backLink.addEventListener('click', (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    backToResults();
  });

  /* Back to the results: through history when the article was opened from them. */
  function backToResults() {
    const depth = history.state && history.state.fromPage ? history.state.depth || 0 : 0;
    if (depth > 0) {
      history.go(-depth);
    } else {
      go({ ...current, article: '' });
    }
  }

  /* ---- The article view ------------------------------------------------------------------ */

  let articleSeq = 0;

  async function showArticle(id) {
    const seq = ++articleSeq;
    el.resultsView.hidden = true;
    el.articleView.hidden = false;
    el.backLink.href = stateUrl({ ...current, article: '' });
    el.articleBody.replaceChildren(h('p', { class: 'loading', text: 'Loading…' }));
    el.related.replaceChildren();
    const path = 'articles/' + encodeURIComponent(id);
    const [article, related] = await Promise.allSettled([
      getJson(path), getJson(path + '/related?limit=6'),
    ]);
    if (seq !== articleSeq) return;
    if (article.status === 'rejected') {
      const e = article.reason;
      const notFound = e instanceof ApiError && e.status === 404;
      el.articleBody.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
        h('h1', { id: 'article-title', tabindex: '-1',
          text: notFound ? 'Article not found' : 'Cannot load this article' }),
        h('p', { text: notFound ? 'There is no article with the id “' + id + '”.'
          : e instanceof ApiError ? e.message : 'The search service did not answer.' })));
    } else {
      el.articleBody.replaceChildren(...articleNodes(article.value));
    }
    const hits = related.status === 'fulfilled' ? related.value.hits || [] : [];
    el.related.replaceChildren(...hits.map(relatedNode));
    if (!hits.length) {
      el.related.append(h('li', { class: 'muted', text: related.status === 'fulfilled'
        ? 'No related articles.' : 'Related articles could not be loaded.' }));
    }
    document.title = (article.value && article.value.title ? article.value.title : 'Article') + ' — Byline';
    const heading = $('article-title');
    if (heading) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  function articleNodes(a) {
    const nodes = [];
    const url = safeUrl(a.url);
    nodes.push(h('h1', { id: 'article-title', tabindex: '-1', class: 'article-title',
      text: a.title || '(untitled)' }));
    const meta = h('p', { class: 'article-meta' });
    const bits = [];
    if (a.source) bits.push(h('strong', { text: a.source }));
    if (a.author && a.author.length) bits.push(h('span', { text: 'By ' + a.author.join(', ') }));
    if (a.date) bits.push(h('time', { datetime: a.date, text: dateTimeFmt.format(Date.parse(a.date)) + ' UTC' }));
    else if (a.date_text) bits.push(h('span', { text: a.date_text }));
    if (a.lang) bits.push(h('span', { text: langName(a.lang) }));
    bits.forEach((b, i) => {
      if (i) meta.append(h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }));
      meta.append(b);
    });
    nodes.push(meta);
    if (a.summary) nodes.push(h('p', { class: 'article-summary', text: a.summary }));
    const body = h('div', { class: 'article-text' });
    for (const para of String(a.body || '').split(/\n\s*\n|\n/)) {
      if (para.trim()) body.append(h('p', { text: para.trim() }));
    }
    nodes.push(body);
    const tags = h('ul', { class: 'article-tags', 'aria-label': 'Categories and tags' });
    for (const c of a.categories || []) {
      tags.append(h('li', {}, h('a', {
        href: stateUrl(withChanges(current, { category: [c], q: '' })), 'data-nav': '',
        class: 'cat', text: c,
      })));
    }
    for (const t of a.tags || []) tags.append(h('li', { class: 'tag', text: '#' + t }));
    if (tags.childNodes.length) nodes.push(tags);
    if (url) {
      nodes.push(h('p', { class: 'article-source' }, h('a', { href: url, class: 'button-link',
        text: 'Read the original at ' + new URL(url).hostname + ' ↗' })));
    }
    return nodes;
  }

  function relatedNode(hit) {
    const meta = [hit.source, hit.date ? formatDate(hit.date) : ''].filter(Boolean).join(' · ');
    return h('li', {},
      h('a', { href: articleHref(hit.id), 'data-nav': '', class: 'related-link',
        text: hit.title || '(untitled)' }),
      h('span', { class: 'related-meta', text: meta }));
  }

  /* ---- The search box and suggestions ----------------------------------------------------- */

  let searchTimer = 0;
  let suggestTimer = 0;
  let suggestSeq = 0;
  let options = [];
  let activeOption = -1;

  /* Searches for q. Typing makes one history entry however many searches it runs; Enter or
   * a suggestion ends it (replacing that entry, so Back skips the half-typed words). */
  function searchNow(q, typing) {
    clearTimeout(searchTimer);
    if (q === current.q && !current.article && current.page === 1) {
      if (!typing) typingEntry = false;
      return;
    }
    go(withChanges(current, { q }), { replace: typingEntry, typing });
  }

  el.q.addEventListener('input', () => {
    const q = el.q.value;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => searchNow(q, true), SEARCH_DELAY);
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(() => suggest(q), SUGGEST_DELAY);
  });

  el.form.addEventListener('submit', (e) => {
    e.preventDefault();
    closeSuggestions();
    searchNow(el.q.value, false);
  });

  async function suggest(q) {
    const seq = ++suggestSeq;
    if (!q.trim() || /[\s"'(]$/.test(q)) {
      closeSuggestions();
      return;
    }
    let data;
    try {
      data = await getJson('suggest?' + new URLSearchParams({ q, limit: '6' }));
    } catch (e) {
      data = { suggestions: [] };
    }
    if (seq !== suggestSeq || el.q.value !== q || document.activeElement !== el.q) return;
    const list = (data.suggestions || []).filter((s) => s !== q.toLowerCase());
    showSuggestions(q, list);
  }

  function showSuggestions(q, list) {
    options = list;
    activeOption = -1;
    if (!list.length) {
      closeSuggestions();
      return;
    }
    const typed = q.toLowerCase();
    el.suggestions.replaceChildren(...list.map((s, i) => {
      const li = h('li', { role: 'option', id: 'suggestion-' + i, 'aria-selected': 'false',
        'data-value': s });
      if (s.startsWith(typed)) li.append(typed, h('b', { text: s.slice(typed.length) }));
      else li.append(s);
      return li;
    }));
    el.suggestions.hidden = false;
    el.q.setAttribute('aria-expanded', 'true');
  }

  function closeSuggestions() {
    suggestSeq++;
    options = [];
    activeOption = -1;
    el.suggestions.hidden = true;
    el.suggestions.replaceChildren();
    el.q.setAttribute('aria-expanded', 'false');
    el.q.removeAttribute('aria-activedescendant');
  }

  function setActiveOption(i) {
    activeOption = i;
    [...el.suggestions.children].forEach((li, j) => {
      li.setAttribute('aria-selected', j === i ? 'true' : 'false');
    });
    if (i >= 0) el.q.setAttribute('aria-activedescendant', 'suggestion-' + i);
    else el.q.removeAttribute('aria-activedescendant');
  }

  function pickSuggestion(s) {
    el.q.value = s;
    closeSuggestions();
    searchNow(s, false);
  }

  el.q.addEventListener('keydown', (e) => {
    const open = !el.suggestions.hidden && options.length > 0;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (open) setActiveOption((activeOption + 1) % options.length);
      else focusHit(0);
    } else if (e.key === 'ArrowUp' && open) {
      e.preventDefault();
      setActiveOption(activeOption <= 0 ? -1 : activeOption - 1);
    } else if (e.key === 'Enter' && open && activeOption >= 0) {
      e.preventDefault();
      pickSuggestion(options[activeOption]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      closeSuggestions();
    } else if (e.key === 'Tab') {
      closeSuggestions();
    }
  });

  el.suggestions.addEventListener('mousedown', (e) => e.preventDefault()); /* keep focus */
  el.suggestions.addEventListener('click', (e) => {
    const li = e.target.closest('li[role="option"]');
    if (li) pickSuggestion(li.dataset.value);
  });
  el.q.addEventListener('blur', closeSuggestions);

  /* ---- Keyboard ---------------------------------------------------------------------------- */

  function hitLinks() {
    return [...el.hits.querySelectorAll('.hit-link')];
  }

  function focusHit(i) {
    const links = hitLinks();
    if (!links.length || el.resultsView.hidden) return false;
    const link = links[Math.max(0, Math.min(links.length - 1, i))];
    link.focus();
    link.closest('.hit').scrollIntoView({ block: 'nearest' });
    return true;
  }

  function isTyping(target) {
    if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') {
      return true;
    }
    return target.tagName === 'INPUT' &&
      !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/' && !isTyping(e.target)) {
      e.preventDefault();
      el.q.focus();
      el.q.select();
      return;
    }
    if (e.key === 'Escape' && current.article && !isTyping(e.target)) {
      e.preventDefault();
      backToResults();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const hit = e.target.closest ? e.target.closest('.hit') : null;
    if (hit && el.hits.contains(hit)) {
      const links = hitLinks();
      const i = links.indexOf(hit.querySelector('.hit-link'));
      e.preventDefault();
      if (e.key === 'ArrowUp' && i === 0) el.q.focus();
      else focusHit(e.key === 'ArrowDown' ? i + 1 : i - 1);
    } else if (e.key === 'ArrowDown' && (e.target === document.body || e.target === el.resultsHeading)) {
      if (focusHit(0)) e.preventDefault();
    }
  });

  /* ---- Start --------------------------------------------------------------------------------- */

  history.scrollRestoration = 'manual';
  if (!history.state || !history.state.fromPage) history.replaceState({ fromPage: false, depth: 0 }, '');
  render({});
  if (!current.q && !current.article && window.matchMedia('(min-width: 700px)').matches) {
    el.q.focus({ preventScroll: true });
  }
})();
