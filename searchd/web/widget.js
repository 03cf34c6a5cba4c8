/* widget.js - Byline site search in one script tag: a search box with a results panel, mounted
 * into every element marked data-byline-search, talking to the byline-searchd that served this
 * script (cross-origin, allowed with --cors-origin). See docs/WIDGET.md.
 *
 * The widget lives in a shadow root, so the host page's styles do not reach it; it is themed
 * through --byline-* custom properties. Article content is only ever set as text: snippets are
 * split on the <mark> tags the API adds (it escapes everything else). */
(function () {
  'use strict';

  if (window.Byline && window.Byline.mount) {
    window.Byline.scan();
    return;
  }

  const script = document.currentScript;
  const scriptBase = script && script.src ? new URL('./', script.src).href : null;

  const CSS = `
:host { display: block; position: relative; font-family: var(--byline-font, inherit); }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.bw {
  --bg: var(--byline-bg, #ffffff); --text: var(--byline-text, #16191d);
  --muted: var(--byline-muted, #4f5661); --line: var(--byline-border, #d5dae1);
  --accent: var(--byline-accent, #1d4fc4); --accent-text: var(--byline-accent-text, #ffffff);
  --mark-bg: var(--byline-mark, #ffe58a); --mark-text: var(--byline-mark-text, #16191d);
  --hover: var(--byline-hover, #eef2fb); --focus: var(--byline-focus, #c2410c);
  --radius: var(--byline-radius, 10px);
  position: relative; color: var(--text); font-size: 1rem; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  .bw:not([data-theme="light"]) {
    --bg: var(--byline-bg, #171b21); --text: var(--byline-text, #e7eaee);
    --muted: var(--byline-muted, #aab2bd); --line: var(--byline-border, #323a45);
    --accent: var(--byline-accent, #8fb3ff); --accent-text: var(--byline-accent-text, #0f1216);
    --mark-bg: var(--byline-mark, #6a5300); --mark-text: var(--byline-mark-text, #fff4c7);
    --hover: var(--byline-hover, #222a36); --focus: var(--byline-focus, #ffb86b);
  }
}
.bw[data-theme="dark"] {
  --bg: var(--byline-bg, #171b21); --text: var(--byline-text, #e7eaee);
  --muted: var(--byline-muted, #aab2bd); --line: var(--byline-border, #323a45);
  --accent: var(--byline-accent, #8fb3ff); --accent-text: var(--byline-accent-text, #0f1216);
  --mark-bg: var(--byline-mark, #6a5300); --mark-text: var(--byline-mark-text, #fff4c7);
  --hover: var(--byline-hover, #222a36); --focus: var(--byline-focus, #ffb86b);
}
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.vh { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
form { position: relative; display: flex; }
svg { position: absolute; left: .8em; top: 50%; width: 1.1em; height: 1.1em; transform: translateY(-50%); color: var(--muted); pointer-events: none; }
input {
  width: 100%; height: 2.75em; padding: 0 1em 0 2.5em; border: 1px solid var(--line);
  border-radius: var(--radius); background: var(--bg); color: var(--text); font: inherit;
}
input:focus { border-color: var(--accent); outline: 2px solid var(--accent); outline-offset: -1px; }
.panel {
  position: absolute; left: 0; right: 0; top: calc(100% + 6px); z-index: 2147483000;
  max-height: min(70vh, 36em); overflow: auto; padding: .4em 0;
  background: var(--bg); border: 1px solid var(--line); border-radius: var(--radius);
  box-shadow: 0 12px 32px rgba(0, 0, 0, .18);
}
.bw.inline .panel { position: static; margin-top: .5em; max-height: none; box-shadow: none; }
.status { margin: 0; padding: .3em 1em .5em; color: var(--muted); font-size: .85em; }
.dym { margin: 0; padding: 0 1em .5em; font-size: .95em; }
.dym a, .more-link { color: var(--accent); }
ol { margin: 0; padding: 0; list-style: none; }
li { border-top: 1px solid var(--line); }
.hit { display: block; padding: .65em 1em; color: inherit; text-decoration: none; }
a.hit:hover, a.hit:focus-visible { background: var(--hover); }
a.hit:focus-visible { outline-offset: -3px; }
.title { display: block; color: var(--accent); font-weight: 650; line-height: 1.3; overflow-wrap: anywhere; }
a.hit:hover .title { text-decoration: underline; }
.meta { display: block; margin-top: .15em; color: var(--muted); font-size: .82em; }
.snippet {
  display: -webkit-box; margin-top: .25em; font-size: .9em; overflow: hidden; overflow-wrap: anywhere;
  -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3;
}
mark { padding: 0 .08em; border-radius: 2px; background: var(--mark-bg); color: var(--mark-text); }
.foot { display: flex; align-items: center; justify-content: space-between; gap: 1em; padding: .5em 1em .2em; border-top: 1px solid var(--line); font-size: .9em; }
.more {
  padding: .3em .9em; border: 1px solid var(--line); border-radius: 999px;
  background: var(--bg); color: var(--text); font: inherit; cursor: pointer;
}
.more:hover { border-color: var(--accent); }
.message { margin: 0; padding: .6em 1em; }
.message.error { color: var(--text); }
.message strong { display: block; }
`;

  const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /* Appends a snippet: text nodes, and <mark> elements for the API's highlights. */
  function appendSnippet(parent, snippet) {
    let mark = null;
    for (const part of String(snippet || '').split(/(<mark>|<\/mark>)/)) {
      if (part === '<mark>') {
        mark = h('mark');
        parent.append(mark);
      } else if (part === '</mark>') {
        mark = null;
      } else if (part) {
        (mark || parent).append(part.replace(/&(?:lt|gt|amp|quot|#39);/g, (e) => ENTITIES[e]));
      }
    }
  }

  function safeUrl(url) {
    try {
      const u = new URL(url);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  let counter = 0;

  /* Reads the options of a host element's data-* attributes over those given. */
  function readOptions(host, given) {
    const d = host.dataset;
    const o = { ...given };
    const take = (name, attr) => {
      if (d[attr] !== undefined && d[attr] !== '') o[name] = d[attr];
    };
    take('api', 'api');
    take('placeholder', 'placeholder');
    take('label', 'label');
    take('limit', 'limit');
    take('category', 'category');
    take('source', 'source');
    take('lang', 'lang');
    take('sort', 'sort');
    take('recency', 'recency');
    take('target', 'target');
    take('fullResults', 'fullResults');
    take('theme', 'theme');
    take('layout', 'layout');
    const list = (v) => (Array.isArray(v) ? v : String(v || '').split(','))
      .map((s) => s.trim()).filter(Boolean);
    const limit = parseInt(o.limit, 10);
    return {
      api: new URL(o.api || scriptBase || './', document.baseURI).href.replace(/\/?$/, '/'),
      placeholder: o.placeholder || 'Search',
      label: o.label || o.placeholder || 'Search',
      limit: limit >= 1 && limit <= 20 ? limit : 5,
      category: list(o.category),
      source: list(o.source),
      lang: list(o.lang),
      sort: o.sort || '',
      recency: o.recency || '',
      target: o.target || '',
      fullResults: o.fullResults || '',
      theme: o.theme === 'light' || o.theme === 'dark' ? o.theme : 'auto',
      layout: o.layout === 'inline' ? 'inline' : 'dropdown',
    };
  }

  /* Mounts a widget into host. Returns {search(q), destroy()}. */
  function mount(host, given) {
    if (host.bylineWidget) return host.bylineWidget;
    const opts = readOptions(host, given || {});
    const n = ++counter;
    const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === 'function') {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        root.append(h('style', { text: CSS }));
      }
    } else {
      root.append(h('style', { text: CSS }));
    }

    const input = h('input', {
      type: 'search', id: 'q', placeholder: opts.placeholder, autocomplete: 'off',
      spellcheck: 'false', enterkeyhint: 'search', 'aria-controls': 'panel', 'aria-expanded': 'false',
    });
    const icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('aria-hidden', 'true');
    const circle = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    for (const [k, v] of Object.entries({ cx: 10.5, cy: 10.5, r: 6.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })) circle.setAttribute(k, v);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    for (const [k, v] of Object.entries({ d: 'M15.5 15.5 21 21', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' })) line.setAttribute(k, v);
    icon.append(circle, line);
    const form = h('form', { role: 'search', 'aria-label': opts.label },
      h('label', { for: 'q', class: 'vh', text: opts.label }), icon, input);
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const dym = h('p', { class: 'dym', hidden: true });
    const list = h('ol', { 'aria-label': 'Results' });
    const message = h('div', { class: 'message', hidden: true });
    const more = h('button', { type: 'button', class: 'more', text: 'More results' });
    const fullLink = h('a', { class: 'more-link', text: 'All results →' });
    const foot = h('div', { class: 'foot', hidden: true }, more, fullLink);
    const panel = h('div', { class: 'panel', id: 'panel', role: 'region',
      'aria-label': 'Search results', hidden: true }, status, dym, message, list, foot);
    const wrap = h('div', { class: 'bw' + (opts.layout === 'inline' ? ' inline' : ''),
      'data-theme': opts.theme, 'data-widget': String(n) }, form, panel);
    root.append(wrap);

    let timer = 0;
    let controller = null;
    let seq = 0;
    let query = '';
    let offset = 0;
    let total = 0;

    function params(q, off) {
      const p = new URLSearchParams({ q, limit: String(opts.limit), offset: String(off) });
      for (const f of ['category', 'source', 'lang']) for (const v of opts[f]) p.append(f, v);
      if (opts.sort) p.set('sort', opts.sort);
      if (opts.recency) p.set('recency', opts.recency);
      return p;
    }

    function open(show) {
      panel.hidden = !show;
      input.setAttribute('aria-expanded', show ? 'true' : 'false');
    }

    function fullResultsUrl(q, article) {
      if (!opts.fullResults) return null;
      const u = new URL(opts.fullResults, document.baseURI);
      u.searchParams.set('q', q);
      if (article) u.searchParams.set('article', article);
      return u.href;
    }

    function hitNode(hit) {
      const url = safeUrl(hit.url) || fullResultsUrl(query, hit.id);
      const meta = [hit.source, hit.date ? dateFmt.format(Date.parse(hit.date)) : '']
        .filter(Boolean).join(' · ');
      const snippet = h('span', { class: 'snippet' });
      appendSnippet(snippet, hit.snippet);
      const body = [h('span', { class: 'title', text: hit.title || '(untitled)' }),
        meta ? h('span', { class: 'meta', text: meta }) : null, snippet];
      const node = url
        ? h('a', { class: 'hit', href: url, target: opts.target || null,
          rel: opts.target === '_blank' ? 'noopener' : null }, ...body)
        : h('div', { class: 'hit' }, ...body);
      return h('li', {}, node);
    }

    function showMessage(title, text, error) {
      message.className = 'message' + (error ? ' error' : '');
      message.replaceChildren(h('strong', { text: title }), text ? h('span', { text }) : null);
      message.hidden = false;
    }

    async function run(q, off) {
      if (controller) controller.abort();
      controller = new AbortController();
      const mine = ++seq;
      host.setAttribute('aria-busy', 'true');
      try {
        const res = await fetch(opts.api + 'search?' + params(q, off), {
          signal: controller.signal, headers: { Accept: 'application/json' },
        });
        let data = null;
        try {
          data = await res.json();
        } catch (e) { /* not JSON */ }
        if (mine !== seq) return;
        if (!res.ok || !data) {
          const msg = data && data.error ? data.error.message : 'the server answered ' + res.status;
          throw Object.assign(new Error(msg), { api: true });
        }
        render(q, off, data);
      } catch (e) {
        if (e.name === 'AbortError' || mine !== seq) return;
        list.replaceChildren();
        dym.hidden = true;
        foot.hidden = true;
        status.textContent = '';
        showMessage('Search is unavailable right now.',
          e.api ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + '.' : 'Please try again later.', true);
        open(true);
      } finally {
        if (mine === seq) host.removeAttribute('aria-busy');
      }
    }

    function render(q, off, data) {
      query = q;
      offset = off + data.hits.length;
      total = data.total;
      message.hidden = true;
      if (off === 0) list.replaceChildren();
      list.append(...data.hits.map(hitNode));
      if (data.corrected_query && data.corrected_query !== q) {
        const a = h('a', { href: '#', text: data.corrected_query });
        a.addEventListener('click', (e) => {
          e.preventDefault();
          input.value = data.corrected_query;
          search(data.corrected_query);
          input.focus();
        });
        dym.replaceChildren('Did you mean ', a, '?');
        dym.hidden = false;
      } else {
        dym.hidden = true;
      }
      const totalText = total.toLocaleString() + (data.total_relation === 'gte' ? '+' : '');
      if (!total) {
        status.textContent = '';
        showMessage('No results for “' + q + '”.', 'Try other or fewer words.', false);
      } else {
        status.textContent = (total === 1 ? '1 result' : totalText + ' results');
      }
      more.hidden = offset >= total || offset >= 10000;
      const full = fullResultsUrl(q);
      fullLink.hidden = !full;
      if (full) fullLink.href = full;
      foot.hidden = more.hidden && fullLink.hidden;
      open(true);
    }

    function search(q) {
      clearTimeout(timer);
      if (!q.trim()) {
        seq++;
        if (controller) controller.abort();
        open(false);
        return;
      }
      run(q, 0);
    }

    input.addEventListener('input', () => {
      clearTimeout(timer);
      const q = input.value;
      timer = setTimeout(() => search(q), 250);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      search(input.value);
    });
    more.addEventListener('click', () => run(query, offset));
    /* Coming back to the box from elsewhere (not from the panel) shows the last results. */
    const reopen = (e) => {
      if (e.type === 'focus' && e.relatedTarget && root.contains(e.relatedTarget)) return;
      if (input.value.trim() && (list.childNodes.length || !message.hidden)) open(true);
    };
    input.addEventListener('focus', reopen);
    input.addEventListener('click', reopen);

    function links() {
      return [...list.querySelectorAll('a.hit')];
    }

    wrap.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (!panel.hidden) {
          e.preventDefault();
          open(false);
          input.focus();
        }
        return;
      }
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const all = links();
      if (!all.length || panel.hidden) return;
      const active = root.activeElement;
      const i = all.indexOf(active);
      e.preventDefault();
      if (active === input) {
        if (e.key === 'ArrowDown') all[0].focus();
      } else if (e.key === 'ArrowDown') {
        all[Math.min(all.length - 1, i + 1)].focus();
      } else if (i <= 0) {
        input.focus();
      } else {
        all[i - 1].focus();
      }
    });

    function onOutside(e) {
      if (!e.composedPath().includes(host)) open(false);
    }
    document.addEventListener('click', onOutside);

    const api = {
      search(q) {
        input.value = q;
        search(q);
      },
      destroy() {
        document.removeEventListener('click', onOutside);
        if (controller) controller.abort();
        wrap.remove();
        delete host.bylineWidget;
      },
    };
    host.bylineWidget = api;
    return api;
  }

  /* Mounts a widget into every [data-byline-search] element that has none yet. */
  function scan() {
    document.querySelectorAll('[data-byline-search]').forEach((host) => {
      if (!host.bylineWidget) mount(host);
    });
  }

  window.Byline = { mount, scan };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
