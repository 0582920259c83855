// Conversations UI: live updates of an open conversation over server-sent events. The server renders
// (and escapes) every fragment, times included (in the brand's zone); this script only places them.
// After a dropped connection EventSource reconnects with Last-Event-ID and the server sends what changed.

(() => {
  // Live calls' running times (the list's durations, the monitor's timer), from their start.
  function tick() {
    for (const el of document.querySelectorAll('time.call-timer[data-started-at]')) {
      const s = Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.startedAt)) / 1000));
      const h = Math.floor(s / 3600);
      const m = Math.floor((s % 3600) / 60);
      const ss = String(s % 60).padStart(2, '0');
      el.textContent = h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
    }
  }
  tick();
  setInterval(tick, 1000);

  const list = document.querySelector('[data-live-url]');
  if (!list || !('EventSource' in window)) return;

  // The live calls list says so when it is empty.
  function showEmpty() {
    const empty = document.getElementById('no-live-calls');
    if (empty) empty.hidden = list.children.length > 0;
  }

  // Each side's level meter plays a batch of levels back at the pace they were measured.
  let levelTimers = [];
  function levels(data) {
    const caller = document.getElementById('level-caller');
    const agent = document.getElementById('level-agent');
    if (!caller || !agent) return;
    for (const t of levelTimers) clearTimeout(t);
    levelTimers = data.caller.map((_, i) =>
      setTimeout(() => {
        caller.value = data.caller[i] ?? 0;
        agent.value = data.agent[i] ?? 0;
      }, i * data.windowMs),
    );
  }

  function fromHtml(markup) {
    const tpl = document.createElement('template');
    tpl.innerHTML = markup.trim();
    return tpl.content.firstElementChild;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
  }

  // Keeps <details> the reader opened open when their element is re-rendered.
  function keepOpen(from, to) {
    const was = from.querySelectorAll('details');
    const now = to.querySelectorAll('details');
    was.forEach((d, i) => {
      if (d.open && now[i]) now[i].open = true;
    });
  }

  function upsertItem(data) {
    const el = fromHtml(data.html);
    if (!el) return;
    const existing = document.getElementById(data.id);
    if (existing && existing.dataset.v === el.dataset.v) return;
    const follow = nearBottom();
    if (existing) {
      keepOpen(existing, el);
      existing.remove();
    }
    let before = null;
    for (const child of list.children) {
      if (Number(child.dataset.order) > data.order) {
        before = child;
        break;
      }
    }
    list.insertBefore(el, before);
    const empty = document.getElementById('no-messages');
    if (empty) empty.remove();
    if (follow && !existing) window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function replace(data) {
    const old = document.getElementById(data.id);
    const el = fromHtml(data.html);
    if (!old || !el || old.dataset.v === el.dataset.v) return;
    if (old.contains(document.activeElement)) return; // don't pull a form out from under the reader
    keepOpen(old, el);
    old.replaceWith(el);
  }

  function remove(data) {
    const el = document.getElementById(data.id);
    if (el) el.remove();
  }

  const source = new EventSource(list.dataset.liveUrl);
  source.addEventListener('item', (e) => {
    upsertItem(JSON.parse(e.data));
    tick();
    showEmpty();
  });
  source.addEventListener('replace', (e) => {
    replace(JSON.parse(e.data));
    tick();
  });
  source.addEventListener('remove', (e) => {
    remove(JSON.parse(e.data));
    showEmpty();
  });
  // A fresh snapshot follows (the list's stream could not catch up): start from no rows.
  source.addEventListener('reset', () => list.replaceChildren());
  source.addEventListener('levels', (e) => levels(JSON.parse(e.data)));
  source.addEventListener('open', () => document.body.classList.add('live-connected'));
  source.addEventListener('error', () => document.body.classList.remove('live-connected'));
})();
