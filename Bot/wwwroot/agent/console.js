// The web agent console: state from /agent/api/state, live updates from the Server-Sent Events stream
// /agent/api/events (resumed by sequence after a drop), commands through the same API the tests drive.
// Customer and agent text is always set as textContent, never as HTML.
(function () {
  'use strict';
  var el = window.HandoffPacket.el;
  var csrf = null;
  var me = null;
  var state = null;
  var directory = { queues: [], agents: [], cannedResponses: [] };
  var open = null;            // { id, lastSequence, lines: Map(key -> node) }
  var knownOffers = new Set();
  var flashTimer = null;
  var typingTimer = null;
  var lastTypingSent = 0;
  var refreshTimer = null;
  var source = null;

  function $(id) { return document.getElementById(id); }

  async function api(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET') { headers['X-CSRF-TOKEN'] = csrf; }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    var response = await fetch('/agent/api' + path, { method: method, headers: headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) {
      window.location.replace('/agent/sign-in');
      throw new Error('signed out');
    }
    var data = response.status === 204 ? null : await response.json().catch(function () { return null; });
    if (!response.ok) {
      var error = new Error((data && data.detail) || ('The server answered ' + response.status + '.'));
      error.problem = data;
      throw error;
    }
    return data;
  }

  function newKey() {
    return (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9_-]/g, '');
  }

  function toast(text) {
    var status = $('connection');
    status.textContent = text;
  }

  function waited(since) {
    var seconds = Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000));
    return seconds < 60 ? seconds + ' s' : Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
  }

  // --- the side bar ---------------------------------------------------------------------------------------------

  function itemNode(item, actions) {
    var li = el('li', 'item priority-' + item.priority.toLowerCase());
    li.dataset.id = item.id;
    var title = el('div', 'item-title');
    title.appendChild(el('strong', null, item.customer));
    title.appendChild(el('span', 'badge', item.priority));
    li.appendChild(title);
    var facts = item.queue + ' queue · ' + item.reason + ' · waited ' + waited(item.enqueuedAt);
    if (item.position) { facts += ' · position ' + item.position; }
    if (item.estimateSeconds) { facts += ' · about ' + Math.ceil(item.estimateSeconds / 60) + ' min'; }
    else if (item.estimateText) { facts += ' · ' + item.estimateText; }
    li.appendChild(el('p', 'subtle', facts));
    var buttons = el('div', 'buttons');
    actions.forEach(function (action) {
      var button = el('button', action.className || null, action.label);
      button.type = 'button';
      button.setAttribute('aria-label', action.label + ' ' + item.customer);
      button.addEventListener('click', function () { action.run(item, button); });
      buttons.appendChild(button);
    });
    li.appendChild(buttons);
    return li;
  }

  function fill(listId, items, actions, emptyText) {
    var list = $(listId);
    list.replaceChildren();
    if (items.length === 0) {
      list.appendChild(el('li', 'empty', emptyText));
      return;
    }
    items.forEach(function (item) { list.appendChild(itemNode(item, actions)); });
  }

  var accept = { label: 'Accept', className: 'primary', run: function (item, button) { acceptHandoff(item.id, button); } };
  var decline = { label: 'Decline', run: function (item) { command(item.id, 'decline').then(refresh); } };
  var openIt = { label: 'Open', run: function (item) { openWorkspace(item.id); } };

  function render() {
    $('me-name').textContent = me.name + (me.role === 'supervisor' || me.role === 'admin' ? ' (' + me.role + ')' : '');
    if (state.me.presence) { $('presence').value = state.me.presence; }
    $('presence').disabled = !state.me.agentId;
    $('capacity').textContent = state.me.agentId ? state.me.active + ' / ' + state.me.capacity + ' conversations' : '';
    fill('offers', state.offers, [accept, decline], 'No offers right now.');
    fill('conversations', state.conversations, [openIt], 'None yet.');
    fill('waiting', state.waiting, state.me.agentId ? [accept, openIt] : [openIt], 'Nobody is waiting.');
    $('others-section').hidden = state.others.length === 0;
    fill('others', state.others, [openIt], '');
    announceOffers();
  }

  async function refresh() {
    state = await api('GET', '/state');
    render();
    if (open && !state.conversations.some(function (c) { return c.id === open.id; }) && !isSupervisor()) {
      var stillVisible = state.offers.concat(state.waiting).some(function (c) { return c.id === open.id; });
      if (!stillVisible) { closeWorkspace('This conversation is no longer yours.'); }
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { refresh().catch(function () {}); }, 100);
  }

  function isSupervisor() { return me && (me.role === 'supervisor' || me.role === 'admin'); }

  // --- offers: sound, notification, flashing title -------------------------------------------------------------

  function announceOffers() {
    var current = new Set(state.offers.map(function (o) { return o.id; }));
    var fresh = state.offers.filter(function (o) { return !knownOffers.has(o.id); });
    knownOffers = current;
    if (fresh.length > 0) {
      ring();
      if (window.Notification && Notification.permission === 'granted') {
        try { new Notification('New handoff: ' + fresh[0].customer, { body: fresh[0].reason, tag: fresh[0].id }); } catch (e) { /* not allowed here */ }
      }
    }
    if (current.size > 0 && !flashTimer) {
      var on = false;
      flashTimer = setInterval(function () {
        on = !on;
        document.title = on ? '(' + knownOffers.size + ') New offer · HandoffBot' : 'HandoffBot agent console';
      }, 1000);
    } else if (current.size === 0 && flashTimer) {
      clearInterval(flashTimer);
      flashTimer = null;
      document.title = 'HandoffBot agent console';
    }
  }

  function ring() {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
      document.body.dataset.rang = String(Number(document.body.dataset.rang || 0) + 1);
    } catch (e) { /* no audio device */ }
  }

  async function acceptHandoff(id, button) {
    try {
      await command(id, 'accept');
      await refresh();
      await openWorkspace(id);
    } catch (error) {
      var winner = error.problem && error.problem.acceptedBy;
      var text = winner ? 'Already accepted by ' + winner + '.' : error.message;
      var note = el('p', 'error', text);
      note.setAttribute('role', 'alert');
      (button && button.closest('li') || $('workspace')).appendChild(note);
      setTimeout(function () { refresh().catch(function () {}); }, 1500);
    }
  }

  function command(id, verb, body) { return api('POST', '/handoffs/' + encodeURIComponent(id) + '/' + verb, body); }

  // --- the workspace -------------------------------------------------------------------------------------------

  function closeWorkspace(text) {
    open = null;
    window.HandoffCopilot.detach();
    var workspace = $('workspace');
    workspace.replaceChildren(el('p', 'empty', text));
  }

  function lineNode(line) {
    var node = el('div', 'line line-' + line.kind);
    node.dataset.sequence = line.sequence;
    var head = el('div', 'line-head');
    var who = line.kind === 'note' ? 'Note by ' + line.who : line.who;
    head.appendChild(el('span', 'who', who));
    if (line.at) { head.appendChild(el('time', 'subtle', new Date(line.at).toLocaleTimeString())); }
    node.appendChild(head);
    node.appendChild(el('div', 'text', line.text));
    return node;
  }

  function appendLine(line) {
    if (!open) { return; }
    if (line.key && open.keys.has(line.key)) {
      var pending = open.keys.get(line.key);
      if (pending && pending.classList.contains('pending')) { pending.replaceWith(lineNode(line)); open.keys.set(line.key, null); }
      return;
    }
    if (line.sequence && line.sequence <= open.lastSequence) { return; }
    if (line.key) { open.keys.set(line.key, null); }
    if (line.sequence) { open.lastSequence = line.sequence; }
    var timeline = $('timeline');
    if (!timeline) { return; }
    timeline.appendChild(lineNode(line));
    timeline.scrollTop = timeline.scrollHeight;
  }

  async function openWorkspace(id) {
    var detail = await api('GET', '/handoffs/' + encodeURIComponent(id));
    var item = detail.handoff;
    open = { id: id, lastSequence: 0, keys: new Map(), status: item.status };
    var mine = state.me.agentId && item.status === 'WithAgent' && state.conversations.some(function (c) { return c.id === id; });
    var workspace = $('workspace');
    workspace.replaceChildren();
    var header = el('header', 'workspace-head');
    header.appendChild(el('h2', null, item.customer));
    header.appendChild(el('span', 'subtle', item.queue + ' queue · ' + item.priority + ' · ' + item.status + (item.agentName ? ' · ' + item.agentName : '')));
    if (mine) {
      var transfer = el('button', null, 'Transfer');
      transfer.type = 'button';
      transfer.id = 'transfer';
      transfer.addEventListener('click', showTransfer);
      var end = el('button', 'danger', 'End conversation');
      end.type = 'button';
      end.id = 'end';
      end.addEventListener('click', function () { command(id, 'end').then(function () { refresh(); closeWorkspace('Conversation ended. The customer is back with the assistant and asked for a rating.'); }); });
      header.appendChild(transfer);
      header.appendChild(end);
    }
    workspace.appendChild(header);
    var columns = el('div', 'workspace-columns');
    var conversation = el('section', 'conversation');
    conversation.setAttribute('aria-label', 'Conversation');
    var timeline = el('div', 'timeline');
    timeline.id = 'timeline';
    timeline.setAttribute('role', 'log');
    timeline.setAttribute('aria-live', 'polite');
    timeline.setAttribute('aria-label', 'Messages');
    timeline.tabIndex = 0;
    conversation.appendChild(timeline);
    var typing = el('p', 'typing subtle', '');
    typing.id = 'typing';
    typing.setAttribute('aria-live', 'polite');
    conversation.appendChild(typing);
    window.HandoffCopilot.detach();
    if (mine) {
      var form = composer(id);
      conversation.appendChild(window.HandoffCopilot.attach(id, form.querySelector('textarea'), api));
      conversation.appendChild(form);
    }
    columns.appendChild(conversation);
    var packet = window.HandoffPacket.render(detail.packet);
    packet.setAttribute('aria-label', 'Handoff packet');
    packet.tabIndex = 0; // it scrolls: keyboard users can reach it
    columns.appendChild(packet);
    workspace.appendChild(columns);
    detail.timeline.forEach(function (line) { if (line.sequence) { appendLine(line); } else { timeline.appendChild(lineNode(line)); } });
    timeline.scrollTop = timeline.scrollHeight;
    if (mine) { $('message').focus(); }
  }

  function composer(id) {
    var form = el('form', 'composer');
    var label = el('label', 'visually-hidden', 'Message');
    label.htmlFor = 'message';
    var box = el('textarea');
    box.id = 'message';
    box.name = 'message';
    box.rows = 3;
    box.maxLength = 4000;
    box.placeholder = 'Write to the customer (Enter sends, Shift+Enter new line, / for canned responses)';
    var canned = el('ul', 'canned');
    canned.id = 'canned';
    canned.setAttribute('role', 'listbox');
    canned.setAttribute('aria-label', 'Canned responses');
    canned.hidden = true;
    var buttons = el('div', 'buttons');
    var send = el('button', 'primary', 'Send');
    send.type = 'submit';
    var note = el('button', null, 'Add private note');
    note.type = 'button';
    note.id = 'add-note';
    buttons.appendChild(send);
    buttons.appendChild(note);
    form.appendChild(label);
    form.appendChild(box);
    form.appendChild(canned);
    form.appendChild(buttons);

    function submit(kind) {
      var text = box.value.trim();
      if (!text) { return; }
      var key = newKey();
      box.value = '';
      lastTypingSent = 0; // the next keystroke starts a new typing indicator
      canned.hidden = true;
      var pending = lineNode({ sequence: 0, at: new Date().toISOString(), kind: kind === 'notes' ? 'note' : 'agent', who: me.name, text: text });
      pending.classList.add('pending');
      $('timeline').appendChild(pending);
      open.keys.set(kind === 'notes' ? 'note:' + key : 'agent:' + id + ':' + key, pending);
      command(id, kind, { key: key, text: text }).catch(function (error) {
        pending.classList.add('failed');
        pending.appendChild(el('p', 'error', error.message));
      });
    }

    form.addEventListener('submit', function (event) { event.preventDefault(); submit('messages'); });
    note.addEventListener('click', function () { submit('notes'); });
    box.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (!canned.hidden && canned.firstChild && canned.firstChild.dataset.text) {
          box.value = canned.firstChild.dataset.text;
          canned.hidden = true;
          return;
        }
        submit('messages');
      } else if (event.key === 'Escape') {
        canned.hidden = true;
      }
    });
    box.addEventListener('input', function () {
      var value = box.value;
      if (value.startsWith('/')) {
        var wanted = value.slice(1).toLowerCase();
        canned.replaceChildren();
        directory.cannedResponses.filter(function (c) { return c.shortcut.toLowerCase().startsWith(wanted); }).forEach(function (c) {
          var option = el('li', null, '/' + c.shortcut + ' · ' + c.text);
          option.setAttribute('role', 'option');
          option.dataset.text = c.text;
          option.addEventListener('click', function () { box.value = c.text; canned.hidden = true; box.focus(); });
          canned.appendChild(option);
        });
        canned.hidden = canned.childElementCount === 0;
      } else {
        canned.hidden = true;
      }
      if (Date.now() - lastTypingSent > 2000 && value.length > 0) {
        lastTypingSent = Date.now();
        command(id, 'typing').catch(function () {});
      }
    });
    return form;
  }

  function showTransfer() {
    var select = $('transfer-target');
    select.replaceChildren();
    directory.queues.forEach(function (queue) {
      var option = el('option', null, 'Queue: ' + queue);
      option.value = 'queue:' + queue;
      select.appendChild(option);
    });
    directory.agents.filter(function (a) { return a.id !== state.me.agentId; }).forEach(function (agent) {
      var option = el('option', null, 'Agent: ' + agent.name + ' (' + agent.presence + ')');
      option.value = 'agent:' + agent.id;
      select.appendChild(option);
    });
    $('transfer-note').value = '';
    $('transfer-dialog').showModal();
  }

  $('transfer-cancel').addEventListener('click', function () { $('transfer-dialog').close(); });
  $('transfer-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var target = $('transfer-target').value;
    var body = { key: newKey(), note: $('transfer-note').value.trim() || null };
    if (target.startsWith('queue:')) { body.queue = target.slice(6); } else { body.agent = target.slice(6); }
    var id = open && open.id;
    $('transfer-dialog').close();
    command(id, 'transfer', body).then(function () {
      closeWorkspace('Transferred. The next agent sees your note.');
      refresh();
    }, function (error) { toast(error.message); });
  });

  // --- live updates ----------------------------------------------------------------------------------------------

  // The workspace may have closed (transfer, end) since the indicator was set.
  function showTyping(text) {
    var line = $('typing');
    if (line) { line.textContent = text; }
  }

  function connect(after) {
    source = new EventSource('/agent/api/events?after=' + encodeURIComponent(after));
    source.addEventListener('open', function () {
      $('connection').textContent = 'live';
      document.body.dataset.live = 'true';
    });
    source.addEventListener('error', function () {
      $('connection').textContent = 'reconnecting…';
      document.body.dataset.live = 'false';
    });
    source.addEventListener('handoff', function (message) {
      var event = JSON.parse(message.data);
      document.body.dataset.sequence = String(event.sequence);
      if (event.action.indexOf('copilot.') === 0) { return; } // the co-pilot's audit lines are not part of the conversation
      if (open && event.handoffId === open.id) {
        appendLine(event.line);
        if (event.line.kind === 'customer') { showTyping(''); window.HandoffCopilot.customerWrote(event.handoffId); }
      }
      if (event.action !== 'message' && event.action !== 'note') { scheduleRefresh(); }
    });
    source.addEventListener('typing', function (message) {
      var typing = JSON.parse(message.data);
      if (open && typing.handoffId === open.id && typing.from === 'customer') {
        showTyping('The customer is typing…');
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { showTyping(''); }, 4000);
      }
    });
  }

  // A dropped push connection, on purpose (the browser tests): close it; reconnect from the last sequence seen.
  window.handoffConsole = {
    disconnect: function () {
      source.close();
      document.body.dataset.live = 'false';
      $('connection').textContent = 'offline';
    },
    reconnect: function () {
      source.close();
      connect(document.body.dataset.sequence || String(state.sequence));
    }
  };

  // --- keyboard and header controls ------------------------------------------------------------------------------

  document.addEventListener('keydown', function (event) {
    var inText = event.target && (event.target.tagName === 'TEXTAREA' || event.target.tagName === 'INPUT');
    if (event.key === '?' && !inText) { toggleHelp(); return; }
    if (!event.altKey) { return; }
    var key = event.key.toLowerCase();
    if (key === 'a' && state.offers[0]) { event.preventDefault(); acceptHandoff(state.offers[0].id); }
    else if (key === 'd' && state.offers[0]) { event.preventDefault(); command(state.offers[0].id, 'decline').then(refresh); }
    else if (key === 'm' && $('message')) { event.preventDefault(); $('message').focus(); }
    else if (key === 't' && $('transfer')) { event.preventDefault(); showTransfer(); }
    else if (key === 'e' && $('end')) { event.preventDefault(); $('end').click(); }
  });

  function toggleHelp() {
    var help = $('help');
    help.hidden = !help.hidden;
    $('help-button').setAttribute('aria-expanded', String(!help.hidden));
  }

  $('help-button').addEventListener('click', toggleHelp);
  $('presence').addEventListener('change', function () {
    api('PUT', '/presence', { presence: $('presence').value }).then(refresh, function (error) { toast(error.message); });
  });
  $('sign-out').addEventListener('click', function () {
    api('DELETE', '/session').finally(function () { window.location.replace('/agent/sign-in'); });
  });

  async function start() {
    me = await api('GET', '/me');
    csrf = me.csrf;
    directory = await api('GET', '/directory');
    await refresh();
    connect(state.sequence);
    if (window.Notification && Notification.permission === 'default') {
      document.addEventListener('click', function ask() {
        document.removeEventListener('click', ask);
        Notification.requestPermission().catch(function () {});
      });
    }
    setInterval(function () { if (state) { render(); } }, 15000); // waited times move on
  }

  start().catch(function (error) { toast(error.message); });
})();
