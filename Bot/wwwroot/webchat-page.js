// The customer page: gets a Direct Line token from this server (the secret never reaches the browser), keeps the
// conversation in sessionStorage so a reload reconnects to it, and renders Web Chat against our own Direct Line.
// ?webSocket=false switches Web Chat to polling.
(function () {
  'use strict';
  var storageKey = 'handoffbot.directline';
  var statusElement = document.getElementById('status');

  function showStatus(text) {
    statusElement.textContent = text;
    statusElement.hidden = false;
  }

  function loadSaved() {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey) || 'null');
    } catch (e) {
      return null;
    }
  }

  async function fetchToken(saved) {
    var response = await fetch('/api/directline/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(saved && saved.token ? { token: saved.token } : {})
    });
    if (!response.ok) {
      throw new Error('The chat service answered ' + response.status + '.');
    }
    return response.json();
  }

  function agentName(activity) {
    var entities = (activity && activity.entities) || [];
    for (var i = 0; i < entities.length; i++) {
      if (entities[i] && entities[i].type === 'https://handoffbot.dev/agent' && typeof entities[i].name === 'string') {
        return entities[i].name;
      }
    }
    return null;
  }

  async function start() {
    if (!window.WebChat) {
      showStatus('Web Chat could not be loaded. Build the bot with npm available so it installs Web Chat.');
      return;
    }
    var webSocket = new URLSearchParams(window.location.search).get('webSocket') !== 'false';
    var issued = await fetchToken(loadSaved());
    window.sessionStorage.setItem(storageKey, JSON.stringify({ conversationId: issued.conversationId, token: issued.token }));

    var directLine = window.WebChat.createDirectLine({
      domain: window.location.origin + '/v3/directline',
      token: issued.token,
      // An existing conversation is resumed (Web Chat reconnects and shows its history); otherwise a new one starts.
      conversationId: issued.existing ? issued.conversationId : undefined,
      webSocket: webSocket
    });
    directLine.activity$.subscribe({ next: function () {} });
    directLine.connectionStatus$.subscribe(function (status) {
      // 2 = online: from now on the conversation exists, so keep the latest token for a reload.
      if (status === 2) {
        window.sessionStorage.setItem(storageKey, JSON.stringify({ conversationId: issued.conversationId, token: directLine.token || issued.token }));
      }
    });

    window.WebChat.renderWebChat({
      directLine: directLine,
      userID: issued.userId,
      locale: document.documentElement.lang || 'en-US',
      sendTypingIndicator: true,
      // A person's messages say who wrote them (the bot marks them with an agent entity carrying the name).
      activityStatusMiddleware: function () {
        return function (next) {
          return function (args) {
            var status = next(args);
            var agent = agentName(args && args.activity);
            // The page has no React of its own: the label is an element of the same kind as the one Web Chat returned.
            return agent && status && status.$$typeof ? {
              $$typeof: status.$$typeof, type: 'span', key: null, ref: null, _owner: null,
              props: { className: 'agent-name', children: agent + ' · customer service' }
            } : status;
          };
        };
      },
      styleOptions: {
        bubbleBorderRadius: 12,
        bubbleFromUserBorderRadius: 12,
        bubbleFromUserBackground: '#2563eb',
        bubbleFromUserTextColor: '#ffffff',
        botAvatarInitials: 'HB',
        hideUploadButton: false,
        rootHeight: '100%'
      }
    }, document.getElementById('webchat'));
    document.body.setAttribute('data-conversation-id', issued.conversationId);
  }

  start().catch(function (error) {
    showStatus('The chat could not start: ' + error.message + ' Please reload the page.');
  });
})();
