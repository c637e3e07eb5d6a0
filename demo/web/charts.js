/*
 * Chart.js helpers for the browser demo: line charts of {x: step, y} points, no animation (they update every step).
 * Exposes window.demoCharts = {lineChart, series, push}.
 */
/* global Chart */
'use strict';

(function () {
  function lineChart(canvas, yTitle, datasets, logY) {
    return new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' }, min: 0 },
          y: { type: logY ? 'logarithmic' : 'linear', beginAtZero: !logY, title: { display: true, text: yTitle } },
        },
        plugins: { legend: { labels: { boxWidth: 14 } } },
      },
    });
  }

  const series = (label, color, extra) =>
    Object.assign(
      { label, data: [], borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, tension: 0 },
      extra,
    );

  function push(chart, index, x, y) {
    if (Number.isFinite(y)) chart.data.datasets[index].data.push({ x, y });
  }

  window.demoCharts = { lineChart, series, push };
})();
