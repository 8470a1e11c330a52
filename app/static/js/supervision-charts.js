/* The supervision page's trend charts: Apache ECharts (vendor/echarts, from npm) draws each
   `[data-chart]` box from its JSON — {categories, axes: [name…], series: [{name, type, data, axis}]}
   — as SVG. Data come from the page's attributes: no inline script, no eval (the CSP forbids both). */
(function () {
  'use strict';
  if (typeof window.echarts === 'undefined') {
    return;
  }
  var locale = (document.documentElement.lang || '').indexOf('zh') === 0 ? 'ZH' : 'EN';
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (box) {
    var spec = JSON.parse(box.getAttribute('data-chart'));
    var chart = window.echarts.init(box, null, { renderer: 'svg', locale: locale });
    var narrow = box.clientWidth < 720;  // every month is labelled: slanted when the box is narrow
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 12, right: spec.axes.length > 1 ? 40 : 12, top: 48, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: spec.categories, axisLabel: { interval: 0, rotate: narrow ? 35 : 0 } },
      yAxis: spec.axes.map(function (name, i) {
        return { type: 'value', name: name, position: i === 0 ? 'left' : 'right', minInterval: i === 0 ? 1 : 0,
                 splitLine: { show: i === 0 } };
      }),
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type, data: s.data, yAxisIndex: s.axis || 0, connectNulls: true,
                 barMaxWidth: 18 };
      })
    });
    box.setAttribute('data-rendered', '1');
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
