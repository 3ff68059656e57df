// The co-pilot in the workspace: up to three suggested replies for the agent's next message, each with its source
// (knowledge-base entry or playbook step). "Use suggestion" puts the text into the message box for the agent to edit
// and send; nothing goes to the customer without the agent. Used and dismissed suggestions are recorded
// (POST /agent/api/handoffs/{id}/suggestions/feedback). Refreshed when the customer writes.
(function () {
  'use strict';
  var el = window.HandoffPacket.el;
  var current = null; // { id, box, api, list, generation }

  function sourceText(source) {
    return (source.kind === 'kb' ? 'Knowledge base: ' : 'Playbook: ') + source.title;
  }

  function feedback(action, suggestion) {
    if (!current) { return; }
    current.api('POST', '/handoffs/' + encodeURIComponent(current.id) + '/suggestions/feedback', { action: action, source: suggestion.source.ref })
      .catch(function () { /* the quality signal is best effort: never in the agent's way */ });
  }

  function item(suggestion, index) {
    var li = el('li', 'suggestion');
    li.dataset.source = suggestion.source.ref;
    li.dataset.origin = suggestion.origin;
    li.appendChild(el('p', 'suggestion-text', suggestion.text));
    li.appendChild(el('p', 'subtle', sourceText(suggestion.source) + (suggestion.origin === 'llm' ? ' · drafted by the model' : '')));
    var buttons = el('div', 'buttons');
    var use = el('button', 'primary', 'Use');
    use.type = 'button';
    use.setAttribute('aria-label', 'Use suggestion ' + (index + 1) + ': ' + suggestion.text.slice(0, 60));
    use.addEventListener('click', function () {
      current.box.value = suggestion.text;
      current.box.focus();
      current.box.setSelectionRange(suggestion.text.length, suggestion.text.length);
      feedback('used', suggestion);
    });
    var dismiss = el('button', null, 'Dismiss');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', 'Dismiss suggestion ' + (index + 1));
    dismiss.addEventListener('click', function () {
      li.remove();
      feedback('dismissed', suggestion);
    });
    buttons.appendChild(use);
    buttons.appendChild(dismiss);
    li.appendChild(buttons);
    return li;
  }

  async function refresh() {
    if (!current) { return; }
    var mine = current;
    var generation = ++mine.generation;
    var data;
    try {
      data = await mine.api('GET', '/handoffs/' + encodeURIComponent(mine.id) + '/suggestions');
    } catch (e) {
      return; // the workspace works without suggestions
    }
    if (current !== mine || generation !== mine.generation) { return; } // a newer refresh or another workspace
    mine.list.replaceChildren();
    data.suggestions.forEach(function (s, i) { mine.list.appendChild(item(s, i)); });
    if (data.suggestions.length === 0) { mine.list.appendChild(el('li', 'empty', 'No suggestions.')); }
    document.body.dataset.suggestions = String(Number(document.body.dataset.suggestions || 0) + 1);
  }

  // The panel for handoff `id`, whose message box is `box`; `api(method, path, body)` is the console's API helper.
  function attach(id, box, api) {
    var panel = el('section', 'copilot');
    panel.setAttribute('aria-label', 'Suggested replies');
    panel.appendChild(el('h3', null, 'Suggested replies'));
    var list = el('ul', 'suggestions');
    list.id = 'suggestions';
    panel.appendChild(list);
    current = { id: id, box: box, api: api, list: list, generation: 0 };
    refresh();
    return panel;
  }

  function detach() { current = null; }

  function customerWrote(handoffId) {
    if (current && current.id === handoffId) { refresh(); }
  }

  window.HandoffCopilot = { attach: attach, detach: detach, customerWrote: customerWrote };
})();
