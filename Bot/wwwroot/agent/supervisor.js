// The supervisor view: live queues, agents and conversations (refreshed by the console's event stream), the
// analytics of a period with charts, the audit log. Same sign-in, API conventions and CSP as the agent console;
// every text is set with textContent.
(function () {
  'use strict';
  var csrf = null;
  var serverNow = null;
  var refreshTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  async function api(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET') { headers['X-CSRF-TOKEN'] = csrf; headers['Content-Type'] = 'application/json'; }
    var response = await fetch('/agent/api' + path, { method: method, headers: headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) {
      window.location.replace('/agent/sign-in');
      throw new Error('signed out');
    }
    var data = await response.json().catch(function () { return null; });
    if (!response.ok) { throw new Error((data && data.detail) || ('The server answered ' + response.status + '.')); }
    return data;
  }

  function seconds(value) {
    if (value === null || value === undefined) { return '–'; }
    var s = Math.round(value);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }

  function percent(value) { return value === null || value === undefined ? '–' : (Math.round(value * 1000) / 10) + ' %'; }

  function rows(table, items, cells) {
    var body = $(table).tBodies[0];
    body.replaceChildren();
    items.forEach(function (item) {
      var tr = el('tr');
      cells(item).forEach(function (cell) {
        var td = el('td');
        if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = cell === null || cell === undefined ? '–' : String(cell); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (items.length === 0) {
      var empty = el('tr');
      var td = el('td', 'None', 'empty');
      td.colSpan = $(table).tHead.rows[0].cells.length;
      empty.appendChild(td);
      body.appendChild(empty);
    }
  }

  // --- live -----------------------------------------------------------------------------------------------------

  async function loadLive() {
    var live = await api('GET', '/supervisor/live');
    serverNow = new Date(live.at);
    rows('queues', live.queues, function (q) { return [q.name, q.skill, q.waiting, seconds(q.longestWaitSeconds), q.agentsAvailable + ' of ' + q.agentsWithSkill]; });
    rows('agents', live.agents, function (a) { return [a.name, a.presence, a.conversations, capacity(a), a.skills.join(', ')]; });
    var agents = live.agents;
    rows('live', live.conversations, function (c) { return [c.customer, c.queue, c.status, c.agent, seconds(c.waitedSeconds), actions(c, agents)]; });
  }

  // A run-time capacity change (conversations at once, every channel): audited as a configuration change.
  // What the supervisor typed but has not set yet survives the live list being redrawn underneath.
  var capacityDrafts = {};
  function capacity(agent) {
    var box = el('div', null, 'buttons');
    var input = el('input');
    input.type = 'number';
    input.min = '0';
    input.max = '1000';
    input.value = Object.prototype.hasOwnProperty.call(capacityDrafts, agent.id) ? capacityDrafts[agent.id] : String(agent.capacity);
    input.addEventListener('input', function () { capacityDrafts[agent.id] = input.value; });
    input.className = 'capacity';
    input.setAttribute('aria-label', 'Capacity of ' + agent.name);
    var set = el('button', 'Set');
    set.type = 'button';
    set.setAttribute('aria-label', 'Set capacity of ' + agent.name);
    set.addEventListener('click', function () {
      api('PUT', '/supervisor/agents/' + encodeURIComponent(agent.id) + '/capacity', { capacity: input.value === '' ? null : Number(input.value) })
        .then(function () { delete capacityDrafts[agent.id]; $('live-error').textContent = ''; return Promise.all([loadLive(), loadAudit()]); }).catch(showLiveError);
    });
    box.appendChild(input);
    box.appendChild(set);
    return box;
  }

  function actions(conversation, agents) {
    var box = el('div', null, 'buttons');
    var view = el('button', 'Open');
    view.type = 'button';
    view.setAttribute('aria-label', 'Open conversation of ' + conversation.customer);
    view.addEventListener('click', function () { openTranscript(conversation.id).catch(showLiveError); });
    box.appendChild(view);
    if (conversation.status === 'WithAgent') {
      var target = el('select');
      target.setAttribute('aria-label', 'Reassign to');
      agents.filter(function (a) { return a.name !== conversation.agent; }).forEach(function (a) {
        var option = el('option', a.name + ' (' + a.presence + ')');
        option.value = a.id;
        target.appendChild(option);
      });
      var reassign = el('button', 'Reassign');
      reassign.type = 'button';
      reassign.addEventListener('click', function () {
        api('POST', '/supervisor/handoffs/' + encodeURIComponent(conversation.id) + '/reassign', { agent: target.value })
          .then(loadLive).catch(showLiveError);
      });
      box.appendChild(target);
      box.appendChild(reassign);
    }
    return box;
  }

  function showLiveError(error) { $('live-error').textContent = error.message; }

  // Read-only: the same workspace read as the console (audited as a transcript read).
  async function openTranscript(id) {
    var detail = await api('GET', '/handoffs/' + encodeURIComponent(id));
    var box = $('transcript');
    box.replaceChildren(el('h3', detail.handoff.customer + ' · ' + detail.handoff.status));
    detail.timeline.forEach(function (line) {
      var p = el('p', null, 'line line-' + line.kind);
      p.appendChild(el('strong', line.who + ': '));
      p.appendChild(el('span', line.text, 'text'));
      box.appendChild(p);
    });
    box.hidden = false;
  }

  // --- analytics ------------------------------------------------------------------------------------------------

  function localInput(date) {
    var shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return shifted.toISOString().slice(0, 16);
  }

  function period(kind) {
    var to = new Date((serverNow || new Date()).getTime() + 60000);
    var from = new Date(to);
    if (kind === 'today') { from = new Date(serverNow || new Date()); from.setHours(0, 0, 0, 0); } else { from = new Date(to.getTime() - Number(kind) * 86400000); }
    return { from: from, to: to };
  }

  var figures = [
    ['conversations', 'Conversations', function (s) { return s.conversations; }],
    ['handoffs', 'Handoffs', function (s) { return s.handoffs; }],
    ['handoffRate', 'Handoff rate', function (s) { return percent(s.handoffRate); }],
    ['containmentRate', 'Contained by the assistant', function (s) { return percent(s.containmentRate); }],
    ['abandoned', 'Abandoned while waiting', function (s) { return s.abandoned; }],
    ['unassigned', 'No agent took it', function (s) { return s.unassigned; }],
    ['waitSeconds.p50', 'Wait p50', function (s) { return seconds(s.waitSeconds.p50); }],
    ['waitSeconds.p90', 'Wait p90', function (s) { return seconds(s.waitSeconds.p90); }],
    ['acceptSeconds.p50', 'Time to accept p50', function (s) { return seconds(s.acceptSeconds.p50); }],
    ['acceptSeconds.p90', 'Time to accept p90', function (s) { return seconds(s.acceptSeconds.p90); }],
    ['handleSeconds.p50', 'Handle time p50', function (s) { return seconds(s.handleSeconds.p50); }],
    ['timeToEscalate.turnsAverage', 'Messages before escalating (avg)', function (s) { return s.timeToEscalate.turnsAverage === null ? '–' : s.timeToEscalate.turnsAverage; }],
    ['timeToEscalate.seconds.p50', 'Time to escalate p50', function (s) { return seconds(s.timeToEscalate.seconds.p50); }],
    ['transfers', 'Transfers', function (s) { return s.transfers; }],
    ['reopened', 'Reopened within 7 days', function (s) { return s.reopened; }],
    ['csat.withHuman', 'CSAT with a person', function (s) { return s.csat.withHuman === null ? '–' : s.csat.withHuman; }],
    ['csat.assistantOnly', 'CSAT assistant only', function (s) { return s.csat.assistantOnly === null ? '–' : s.csat.assistantOnly; }],
    ['copilot.used', 'Co-pilot suggestions used', function (s) { return s.copilot.used + ' of ' + (s.copilot.used + s.copilot.dismissed); }]
  ];

  async function loadAnalytics(from, to) {
    $('analytics-error').textContent = '';
    var query = '?from=' + encodeURIComponent(from.toISOString()) + '&to=' + encodeURIComponent(to.toISOString());
    $('from').value = localInput(from);
    $('to').value = localInput(to);
    $('csv').href = '/agent/api/supervisor/analytics' + query + '&format=csv';
    var summary;
    try {
      summary = await api('GET', '/supervisor/analytics' + query);
    } catch (error) {
      $('analytics-error').textContent = error.message;
      return;
    }
    var list = $('figures');
    list.replaceChildren();
    figures.forEach(function (figure) {
      var box = el('div');
      box.dataset.metric = figure[0];
      box.appendChild(el('dt', figure[1]));
      box.appendChild(el('dd', figure[2](summary)));
      list.appendChild(box);
    });
    list.dataset.source = '/agent/api/supervisor/analytics' + query;
    window.SupervisorCharts.render(summary);
    document.body.dataset.analytics = 'shown';
  }

  // --- audit ----------------------------------------------------------------------------------------------------

  // Several loads can be in flight (a filter change, a change made from this page, the live refresh): only the
  // newest request's answer is shown, so an older, slower answer never replaces a newer one.
  var auditRequest = 0;
  async function loadAudit() {
    var kind = $('audit-kind').value;
    var request = ++auditRequest;
    var lines = await api('GET', '/supervisor/audit?limit=200' + (kind ? '&kind=' + encodeURIComponent(kind) : ''));
    if (request !== auditRequest) { return; }
    rows('audit', lines, function (l) { return [new Date(l.at).toLocaleString(), l.kind, l.actor, l.action + (l.allowed ? '' : ' (refused)'), l.subject, l.detail]; });
  }

  // --- start ----------------------------------------------------------------------------------------------------

  function refreshSoon() {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () { refreshTimer = null; loadLive().catch(showLiveError); loadAudit().catch(showLiveError); }, 300);
  }

  async function start() {
    var me = await api('GET', '/me');
    csrf = me.csrf;
    $('me-name').textContent = me.name || '';
    if (me.role !== 'supervisor' && me.role !== 'admin') {
      $('not-supervisor').hidden = false;
      $('supervisor').hidden = true;
      return;
    }
    await loadLive();
    await loadAudit();
    var today = period('today');
    await loadAnalytics(today.from, today.to);
    document.querySelectorAll('[data-period]').forEach(function (button) {
      button.addEventListener('click', function () { var p = period(button.dataset.period); loadAnalytics(p.from, p.to); });
    });
    $('custom').addEventListener('click', function () {
      var from = new Date($('from').value), to = new Date($('to').value);
      if (isNaN(from.getTime()) || isNaN(to.getTime())) { $('analytics-error').textContent = 'Choose both ends of the period.'; return; }
      loadAnalytics(from, to);
    });
    $('audit-kind').addEventListener('change', function () { loadAudit().catch(showLiveError); });
    var source = new EventSource('/agent/api/events');
    source.addEventListener('open', function () { $('connection').textContent = 'live'; });
    source.addEventListener('error', function () { $('connection').textContent = 'reconnecting…'; });
    source.addEventListener('handoff', refreshSoon);
    $('sign-out').addEventListener('click', function () {
      api('DELETE', '/session').finally(function () { window.location.replace('/agent/sign-in'); });
    });
  }

  start().catch(function (error) { $('connection').textContent = error.message; });
})();
