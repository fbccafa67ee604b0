// Draw every <canvas data-chart="ID"> from the JSON in <script id="ID">.
// Colours come from Bootstrap's CSS variables, so charts follow light and dark mode.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var palette = ["#0d6efd", "#fd7e14", "#198754", "#d63384", "#6f42c1", "#20c997", "#ffc107", "#6c757d"];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function format(value) {
    return Number(value).toLocaleString("en-US");
  }

  function build(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return null;
    var spec = JSON.parse(source.textContent);
    var text = cssVar("--bs-body-color");
    var grid = cssVar("--bs-border-color");
    var datasets = spec.datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      return {
        label: set.label,
        data: set.data,
        type: set.type || "bar",
        backgroundColor: set.type === "line" ? colour : colour + "cc",
        borderColor: colour,
        borderWidth: set.type === "line" ? 2 : 0,
        pointRadius: set.type === "line" ? 2 : 0,
        tension: 0.2,
        order: set.type === "line" ? 0 : 1,
        stack: spec.stacked ? "all" : undefined
      };
    });
    return new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { color: text } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + format(ctx.parsed.y); } } }
        },
        scales: {
          x: { stacked: !!spec.stacked, ticks: { color: text, maxRotation: 0, autoSkipPadding: 12 }, grid: { color: grid } },
          y: {
            stacked: !!spec.stacked, beginAtZero: true,
            title: { display: !!spec.y_title, text: spec.y_title || "", color: text },
            ticks: { color: text, callback: function (v) { return format(v); } },
            grid: { color: grid }
          }
        }
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      build(canvas);
    });
  }

  document.addEventListener("stats:theme", drawAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
