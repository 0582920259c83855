// Conversations UI: live updates of an open conversation over server-sent events. The server renders
// (and escapes) every fragment, times included (in the brand's zone); this script only places them.
// After a dropped connection EventSource reconnects with Last-Event-ID and the server sends what changed.

(() => {
  const list = document.querySelector('[data-live-url]');
  if (!list || !('EventSource' in window)) return;

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
  source.addEventListener('item', (e) => upsertItem(JSON.parse(e.data)));
  source.addEventListener('replace', (e) => replace(JSON.parse(e.data)));
  source.addEventListener('remove', (e) => remove(JSON.parse(e.data)));
  source.addEventListener('open', () => document.body.classList.add('live-connected'));
  source.addEventListener('error', () => document.body.classList.remove('live-connected'));
})();
