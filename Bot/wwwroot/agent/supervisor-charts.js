// The supervisor view's charts: Chart.js (npm chart.js, pinned; bundled into /lib at build) over the analytics JSON.
// One chart per canvas, replaced when the period changes. Without Chart.js the figures still show.
(function () {
  'use strict';
  var charts = {};
  var colors = ['#0b5cad', '#bf8700', '#1a7f37', '#a40e26', '#8250df', '#57606a', '#0a7ea4', '#cf222e'];

  function draw(id, config) {
    if (!window.Chart) { return; }
    if (charts[id]) { charts[id].destroy(); }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new window.Chart(document.getElementById(id), config);
  }

  function breakdown(id, rows, type) {
    draw(id, {
      type: type,
      data: {
        labels: rows.map(function (r) { return r.key; }),
        datasets: [{ label: 'Handoffs', data: rows.map(function (r) { return r.handoffs; }), backgroundColor: rows.map(function (_, i) { return colors[i % colors.length]; }) }]
      },
      options: type === 'bar' ? { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } : {}
    });
  }

  function render(summary) {
    breakdown('chart-trigger', summary.byTrigger, 'bar');
    breakdown('chart-category', summary.byCategory, 'doughnut');
    breakdown('chart-queue', summary.byQueue, 'bar');
    var times = [summary.waitSeconds, summary.acceptSeconds, summary.handleSeconds];
    draw('chart-times', {
      type: 'bar',
      data: {
        labels: ['Wait', 'Accept', 'Handle'],
        datasets: [
          { label: 'p50', data: times.map(function (t) { return t.p50; }), backgroundColor: colors[0] },
          { label: 'p90', data: times.map(function (t) { return t.p90; }), backgroundColor: colors[1] }
        ]
      },
      options: { scales: { y: { beginAtZero: true } } }
    });
  }

  window.SupervisorCharts = { render: render };
})();
