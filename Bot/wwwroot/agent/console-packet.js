// Renders a handoff packet for people: why (each trigger with score and evidence), the sentiment trajectory as a
// small chart, confidence history, what the assistant tried, the open question, summary, next steps, profile.
// Everything is text nodes: customer words never become HTML.
(function () {
  'use strict';
  var svgNs = 'http://www.w3.org/2000/svg';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function section(title, body) {
    var box = el('section', 'packet-section');
    box.appendChild(el('h3', null, title));
    box.appendChild(body);
    return box;
  }

  function list(items, render) {
    var ul = el('ul');
    items.forEach(function (item) { ul.appendChild(render(item)); });
    return ul;
  }

  function chart(points, label) {
    var width = 220, height = 60;
    var svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    var zero = document.createElementNS(svgNs, 'line');
    zero.setAttribute('x1', 0); zero.setAttribute('x2', width);
    zero.setAttribute('y1', height / 2); zero.setAttribute('y2', height / 2);
    zero.setAttribute('class', 'chart-axis');
    svg.appendChild(zero);
    var xy = points.map(function (value, i) {
      var x = points.length === 1 ? width / 2 : (i * (width - 8)) / (points.length - 1) + 4;
      return [x, height / 2 - Math.max(-1, Math.min(1, value)) * (height / 2 - 4)];
    });
    var line = document.createElementNS(svgNs, 'path');
    line.setAttribute('d', xy.map(function (p, i) { return (i === 0 ? 'M' : 'L') + p[0].toFixed(1) + ' ' + p[1].toFixed(1); }).join(' '));
    line.setAttribute('class', 'chart-line');
    svg.appendChild(line);
    xy.forEach(function (p) {
      var dot = document.createElementNS(svgNs, 'circle');
      dot.setAttribute('cx', p[0].toFixed(1));
      dot.setAttribute('cy', p[1].toFixed(1));
      dot.setAttribute('r', 3);
      dot.setAttribute('class', 'chart-dot');
      svg.appendChild(dot);
    });
    return svg;
  }

  function render(packet) {
    var root = el('div', 'packet');
    if (!packet) {
      root.appendChild(el('p', 'empty', 'No packet.'));
      return root;
    }
    var summary = el('div');
    summary.appendChild(el('p', null, packet.summary));
    var original = el('button', 'link', 'Show the original messages');
    original.type = 'button';
    original.addEventListener('click', function () {
      var timeline = document.getElementById('timeline');
      if (!timeline) { return; }
      var first = timeline.querySelector('.line');
      if (first) { first.scrollIntoView({ block: 'start' }); }
      timeline.focus();
    });
    summary.appendChild(original);
    root.appendChild(section('Summary', summary));
    if (packet.openQuestion) { root.appendChild(section('Open question', el('p', null, packet.openQuestion))); }
    root.appendChild(section('Why', list(packet.triggers.filter(function (t) { return t.fired || t.score > 0; }), function (t) {
      var li = el('li', t.fired ? 'fired' : null);
      li.appendChild(el('strong', null, t.name + ' ' + Number(t.score).toFixed(2) + (t.fired ? ' (fired)' : '')));
      li.appendChild(el('span', null, ' ' + t.reason));
      if (t.evidence && t.evidence.length) { li.appendChild(el('span', 'evidence', ' “' + t.evidence.join('”, “') + '”')); }
      return li;
    })));
    if (packet.sentimentTrajectory && packet.sentimentTrajectory.length) {
      var mood = el('div');
      mood.appendChild(chart(packet.sentimentTrajectory.map(function (s) { return s.compound; }), 'Sentiment over the conversation: ' +
        packet.sentimentTrajectory.map(function (s) { return s.label + ' ' + Number(s.compound).toFixed(2); }).join(', ')));
      mood.appendChild(el('p', 'subtle', packet.sentimentTrajectory.map(function (s) { return s.label; }).join(' → ')));
      root.appendChild(section('Sentiment', mood));
    }
    if (packet.confidenceHistory && packet.confidenceHistory.length) {
      root.appendChild(section('Assistant confidence', el('p', null, packet.confidenceHistory.map(function (c) { return Number(c.confidence).toFixed(2); }).join(' · '))));
    }
    if (packet.assistantTried && packet.assistantTried.length) {
      root.appendChild(section('What the assistant tried', list(packet.assistantTried, function (a) {
        return el('li', null, a.question + ' → ' + (a.answered ? a.answer : 'no answer') + ' (' + Number(a.confidence).toFixed(2) + ')');
      })));
    }
    if (packet.suggestedNextSteps && packet.suggestedNextSteps.length) {
      root.appendChild(section('Next steps', list(packet.suggestedNextSteps, function (s) { return el('li', null, s); })));
    }
    var facts = el('dl');
    [['Category', packet.category], ['Priority', packet.priority], ['Queue', packet.queue], ['Channel', packet.channel], ['Language', packet.language], ['Detection', packet.detection]]
      .concat(packet.profile ? [['Customer', packet.profile.name], ['Tier', packet.profile.tier], ['Orders', packet.profile.lifetimeOrders], ['Notes', packet.profile.notes]] : [])
      .forEach(function (fact) {
        if (fact[1] === undefined || fact[1] === null || fact[1] === '') { return; }
        facts.appendChild(el('dt', null, fact[0]));
        facts.appendChild(el('dd', null, fact[1]));
      });
    root.appendChild(section('Profile', facts));
    return root;
  }

  window.HandoffPacket = { render: render, el: el };
})();
