// The viewer's only script: it sends the actions of an execution page
// (callback success or failure, stop) as JSON to the viewer's own API and
// keeps a running execution's page up to date by polling.
(function () {
  'use strict';

  var pollEvery = 1000; // ms between two polls of a running execution

  function live() { return document.getElementById('live'); }

  function flash(msg) {
    var el = document.getElementById('flash');
    if (!el) { return; }
    el.textContent = msg;
    el.hidden = !msg;
  }

  // The values typed into the callback forms survive a refresh.
  function saveInputs(root) {
    var saved = {};
    root.querySelectorAll('[data-key]').forEach(function (el) { saved[el.dataset.key] = el.value; });
    return saved;
  }

  function restoreInputs(root, saved) {
    root.querySelectorAll('[data-key]').forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(saved, el.dataset.key)) { el.value = saved[el.dataset.key]; }
    });
  }

  // refresh replaces the live section when the execution changed.
  function refresh() {
    var el = live();
    if (!el) { return Promise.resolve(); }
    var url = el.dataset.liveUrl + '&v=' + encodeURIComponent(el.dataset.version);
    return fetch(url, { cache: 'no-store', credentials: 'same-origin' }).then(function (resp) {
      if (resp.status === 204) { return; }
      if (!resp.ok) { throw new Error('refresh: HTTP ' + resp.status); }
      return resp.text().then(function (html) {
        var saved = saveInputs(el);
        var tmp = document.createElement('div');
        tmp.innerHTML = html;
        var fresh = tmp.firstElementChild;
        el.replaceWith(fresh);
        restoreInputs(fresh, saved);
      });
    });
  }

  function schedule() {
    var el = live();
    if (!el || el.dataset.running !== 'true') { return; }
    setTimeout(function () {
      refresh().catch(function (err) { flash(err.message); }).then(schedule);
    }, pollEvery);
  }

  function send(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (resp.ok) { return; }
      return resp.json().catch(function () { return { error: 'HTTP ' + resp.status }; }).then(function (doc) {
        throw new Error(doc.error || ('HTTP ' + resp.status));
      });
    });
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var action = form.dataset.action;
    if (!action) { return; }
    ev.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) { body[key] = value; });
    if (form.dataset.outcome) { body.outcome = form.dataset.outcome; }
    form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    send(document.querySelector('main').dataset.api + action, body).then(function () {
      flash('');
      return refresh();
    }).catch(function (err) {
      flash(err.message);
      form.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    });
  });

  document.addEventListener('DOMContentLoaded', schedule);
})();
