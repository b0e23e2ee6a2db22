// app.js: draws each chart from the option go-echarts built on the server
// (in the element's data-option), wires the filter menus and the sign-out
// form. Pages carry no inline script, so the server's CSP forbids them all.
"use strict";
(function () {
  // Filter menus: each option's value is the page to open.
  document.querySelectorAll("select[data-nav]").forEach(function (sel) {
    sel.addEventListener("change", function () { window.location.href = sel.value; });
  });
  // The language choice persists: the server keeps a cookie; a static copy keeps it here.
  document.querySelectorAll("a[data-lang-link]").forEach(function (a) {
    a.addEventListener("click", function () {
      try { localStorage.setItem("vs_lang", a.textContent === "English" ? "en" : "km"); } catch (e) { /* private mode */ }
    });
  });
  // The sign-out form carries the session's CSRF token from its cookie.
  document.querySelectorAll("form.logout").forEach(function (f) {
    f.addEventListener("submit", function () {
      var m = document.cookie.match(/(?:^|; )vs_csrf=([^;]*)/);
      f.querySelector("input[name=csrf]").value = m ? decodeURIComponent(m[1]) : "";
    });
  });
  var charts = [];
  document.querySelectorAll("div.chart[data-option]").forEach(function (el) {
    var option = JSON.parse(el.getAttribute("data-option"));
    var kind = el.getAttribute("data-kind");
    if (kind === "pyramid") {
      // Males are drawn to the left as negative numbers; show them as counts.
      var abs = function (v) { return Math.abs(v); };
      option.xAxis = (option.xAxis || []).map(function (a) { a.axisLabel = { formatter: abs }; return a; });
      option.tooltip.valueFormatter = function (v) { return v == null ? "–" : Math.abs(v); };
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    var links = el.getAttribute("data-links");
    if (links) {
      links = JSON.parse(links);
      chart.on("click", function (p) { if (links[p.name]) { window.location.href = links[p.name]; } });
    }
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute("data-charts-ready", String(charts.length));
})();
