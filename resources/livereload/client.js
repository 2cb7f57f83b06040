// qreload live reload: injected into the HTML pages of component routes as
// <script src="/_qreload/client.js" data-generation data-last-event-id data-session data-component>.
//
// It follows GET /_qreload/events (Server-Sent Events) and
// - reloads the page after a successful reload that changed something, unless the reload kept
//   this page's own component instance (then nothing the page's route runs on changed);
// - shows an overlay above the page after a failed build or reload, or a host crash: the error,
//   file:line:col, a highlighted code frame, a link that opens the console there, and which
//   generation still serves; the next good reload removes it;
// - reconnects with backoff when the stream drops, resuming after the last event it saw, and
//   never reloads twice for one event.
(() => {
  'use strict';
  const me = document.currentScript;
  if (!me || window.__qreloadLive) return;
  const OVERLAY_CSS = /*QRELOAD_OVERLAY_CSS*/"";
  const RELOADED_KEY = 'qreload.reloadedFor';

  const page = {
    generation: Number(me.dataset.generation || 0),
    session: me.dataset.session || '',
    component: me.dataset.component || '',
  };
  const state = {
    lastId: me.dataset.lastEventId || '0',
    source: null,
    attempt: 0,
    timer: 0,
    overlay: null, // {kind, host, root}
    connected: false,
  };

  // --- the stream -------------------------------------------------------------------------
  function connect() {
    state.timer = 0;
    const source = new EventSource('/_qreload/events?lastEventId=' + encodeURIComponent(state.lastId));
    state.source = source;
    source.addEventListener('open', () => {
      state.attempt = 0;
      state.connected = true;
    });
    source.addEventListener('error', () => {
      // The browser would retry at a fixed pace forever; qreload backs off instead (0.5 s,
      // 1 s, 2 s ... 30 s) and resumes after the last event it saw.
      if (state.source !== source) return;
      source.close();
      state.source = null;
      state.connected = false;
      const delay = Math.min(30000, 500 * 2 ** state.attempt) * (0.75 + Math.random() / 2);
      state.attempt = Math.min(state.attempt + 1, 16);
      state.timer = setTimeout(connect, delay);
    });
    source.addEventListener('hello', (e) => onHello(JSON.parse(e.data)));
    for (const kind of ['build-started', 'build-finished', 'reload', 'host-crashed', 'host-restarted']) {
      source.addEventListener(kind, (e) => {
        if (e.lastEventId) state.lastId = e.lastEventId;
        let data;
        try {
          data = JSON.parse(e.data);
        } catch (error) {
          console.warn('qreload: unreadable event', kind, error);
          return;
        }
        handle(kind, data, e.lastEventId);
      });
    }
  }

  function onHello(hello) {
    if (page.session && hello.session !== page.session) {
      // Served by another qreload session: its event ids and generations mean nothing here.
      // Reload once to get this session's page (never twice for the same session).
      page.session = hello.session;
      reloadPage('session:' + hello.session);
      return;
    }
    if (hello.complete === false && hello.generation > page.generation) {
      // Offline for longer than the journal keeps: what changed is unknown, but something did.
      reloadPage('gap:' + hello.session + ':' + hello.lastId);
      return;
    }
    if (hello.problem && !state.overlay) handle(hello.problem.kind, hello.problem.data, '');
  }

  function handle(kind, data, id) {
    switch (kind) {
    case 'build-started':
      if (state.overlay) setNote('Building… ' + (data.files || []).map(baseName).join(', '));
      break;
    case 'build-finished':
      if (data.ok) {
        if (state.overlay && state.overlay.kind === 'build') setNote('The build succeeded; reloading…');
      } else if (!data.cancelled) {
        showOverlay('build', data);
      }
      break;
    case 'reload':
      onReload(data, id);
      break;
    case 'host-crashed':
      showOverlay('crash', data);
      break;
    case 'host-restarted':
      if (state.overlay && state.overlay.kind === 'crash')
        setNote(`A new host serves generation ${data.generation} (${data.reason}). ` +
                'Reload this page to see what it serves now.', true);
      break;
    }
  }

  function onReload(data, id) {
    if (data.outcome === 'failed') {
      showOverlay('reload', data);
      return;
    }
    if (data.outcome === 'skipped') {
      // The sources are back to what serves (a build that changed no plugin): a build error
      // shown before no longer holds.
      if (state.overlay && state.overlay.kind === 'build' && data.afterBuild) removeOverlay();
      return;
    }
    if (data.outcome !== 'ok') return;
    if (data.startup === 'crash') {
      // A host restarted after a crash, on the plugins that worked (or the same ones): the code
      // this page shows. Its crash stays on screen; host-restarted adds what serves now.
      page.generation = Math.max(page.generation, data.generationAfter);
      return;
    }
    removeOverlay();
    if (data.generationAfter <= page.generation) return; // this page was served by it already
    const touched = ['changed', 'added', 'removed', 'recreated']
      .some((list) => (data[list] || []).length > 0);
    const keptMine = page.component && (data.kept || []).includes(page.component);
    if (!touched || keptMine) {
      // Nothing this page runs on changed: its component's very instance serves on, and a kept
      // instance's dependencies were all kept as well.
      page.generation = data.generationAfter;
      return;
    }
    reloadPage(page.session + ':' + id);
  }

  function reloadPage(key) {
    try {
      if (sessionStorage.getItem(RELOADED_KEY) === key) return; // never twice for one event
      sessionStorage.setItem(RELOADED_KEY, key);
    } catch (error) {
      // No storage (a sandboxed frame): the generation check above still prevents loops.
    }
    location.reload();
  }

  // --- the overlay ------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function baseName(path) {
    return String(path).split('/').pop();
  }

  const CPP_TOKEN = new RegExp([
    '(\\/\\/.*$|\\/\\*.*?(?:\\*\\/|$))', // comment
    '("(?:[^"\\\\]|\\\\.)*"?|\'(?:[^\'\\\\]|\\\\.)*\'?)', // string, char
    '(^\\s*#\\s*\\w+)', // preprocessor
    '\\b(\\d[\\w.\']*)', // number
    '\\b(alignas|alignof|auto|bool|break|case|catch|char|class|const|constexpr|consteval|' +
      'const_cast|continue|decltype|default|delete|do|double|dynamic_cast|else|enum|explicit|' +
      'extern|false|float|for|friend|goto|if|inline|int|long|mutable|namespace|new|noexcept|' +
      'nullptr|operator|override|private|protected|public|return|short|signed|sizeof|static|' +
      'static_assert|static_cast|struct|switch|template|this|throw|true|try|typedef|typename|' +
      'union|unsigned|using|virtual|void|volatile|while|Q_OBJECT|Q_INVOKABLE|Q_PROPERTY|' +
      'Q_SIGNALS|Q_SLOTS|Q_EMIT)\\b', // keyword
  ].join('|'), 'g');
  const TOKEN_CLASSES = ['comment', 'string', 'preprocessor', 'number', 'keyword'];

  // One source line as highlighted nodes (text nodes only: nothing of the source is parsed as HTML).
  function highlight(line, into) {
    let at = 0;
    for (const match of line.matchAll(CPP_TOKEN)) {
      if (match.index > at) into.append(line.slice(at, match.index));
      const group = match.slice(1).findIndex((g) => g !== undefined);
      into.append(el('span', 'tok-' + TOKEN_CLASSES[group], match[0]));
      at = match.index + match[0].length;
    }
    if (at < line.length) into.append(line.slice(at));
  }

  function codeFrame(problem) {
    const frame = problem.frame;
    const pre = el('pre', 'frame');
    const width = String(frame.startLine + frame.lines.length - 1).length;
    frame.lines.forEach((text, i) => {
      const number = frame.startLine + i;
      const isError = number === problem.line;
      const row = el('div', isError ? 'line error-line' : 'line');
      row.append(el('span', 'gutter', (isError ? '>' : ' ') + String(number).padStart(width + 1) + ' | '));
      const code = el('span', 'code');
      highlight(text, code);
      row.append(code);
      pre.append(row);
      if (isError && problem.column > 0) {
        const caret = el('div', 'line caret-line');
        caret.append(el('span', 'gutter', ' '.repeat(width + 2) + ' | '));
        caret.append(el('span', 'caret', ' '.repeat(problem.column - 1) + '^'));
        pre.append(caret);
      }
    });
    return pre;
  }

  function location_(problem) {
    let text = problem.file || '';
    if (problem.line > 0) text += ':' + problem.line + (problem.column > 0 ? ':' + problem.column : '');
    return text;
  }

  function openInConsole(record, problem) {
    fetch('/_qreload/open', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({record: record || 0, file: problem.file || '', line: problem.line || 0,
                            column: problem.column || 0}),
    }).then((reply) => {
      if (!reply.ok) setNote('The console could not be opened (' + reply.status + ').');
    }, () => setNote('The console could not be reached.'));
  }

  function showOverlay(kind, data) {
    removeOverlay();
    const host = document.createElement('qreload-overlay');
    host.setAttribute('data-kind', kind);
    const root = host.attachShadow({mode: 'open'});
    const style = el('style');
    style.textContent = OVERLAY_CSS;
    root.append(style);

    const backdrop = el('div', 'backdrop');
    const panel = el('div', 'panel');
    panel.setAttribute('role', 'alertdialog');
    panel.setAttribute('aria-label', data.title || 'qreload');
    const header = el('div', 'header');
    header.append(el('span', 'badge ' + kind, kind === 'crash' ? 'crash' : 'error'));
    header.append(el('h1', 'title', data.title || 'Error'));
    const close = el('button', 'close', '×');
    close.title = 'Hide until the next event (Esc)';
    close.addEventListener('click', removeOverlay);
    header.append(close);
    panel.append(header);

    for (const problem of data.problems || []) {
      const box = el('section', 'problem');
      box.append(el('div', 'message ' + (problem.severity || 'error'), problem.message || ''));
      const where = location_(problem);
      if (where) {
        const line = el('div', 'where');
        line.append(el('span', 'file', where));
        const link = el('a', 'open', 'Open in qreload');
        link.href = '#';
        link.title = 'Raise the qreload console at this diagnostic';
        link.addEventListener('click', (e) => {
          e.preventDefault();
          openInConsole(data.record, problem);
        });
        line.append(link);
        box.append(line);
      }
      if (problem.frame && problem.frame.lines && problem.frame.lines.length) box.append(codeFrame(problem));
      if (problem.frames && problem.frames.length) {
        box.append(el('div', 'label', 'First frames of the crashing thread:'));
        box.append(el('pre', 'stack', problem.frames.join('\n')));
      }
      panel.append(box);
    }
    if (data.output) panel.append(el('pre', 'output', data.output));
    const serving = el('p', 'serving');
    serving.textContent = data.serving > 0
      ? `This page shows generation ${data.serving}, which still serves. It updates by itself ` +
        'once a reload succeeds.'
      : 'No generation serves yet: nothing has loaded since qreload started.';
    panel.append(serving);
    const note = el('p', 'note');
    panel.append(note);
    backdrop.append(panel);
    root.append(backdrop);
    document.documentElement.append(host);
    state.overlay = {kind, host, root, note};
  }

  function setNote(text, withReload) {
    if (!state.overlay) return;
    const note = state.overlay.note;
    note.textContent = text;
    if (withReload) {
      const button = el('button', 'reload-page', 'Reload page');
      button.addEventListener('click', () => location.reload());
      note.append(' ', button);
    }
  }

  function removeOverlay() {
    if (!state.overlay) return;
    state.overlay.host.remove();
    state.overlay = null;
  }

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') removeOverlay();
  });

  // For tests and the curious: what the client knows.
  window.__qreloadLive = {
    page,
    state,
    get connected() { return state.connected; },
    get overlayText() { return state.overlay ? state.overlay.root.textContent : ''; },
  };
  connect();
})();
