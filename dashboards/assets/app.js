// app.js: draws each chart from the option go-echarts built on the server
// (in the element's data-option), wires the filter menus and the sign-out
// form. Pages carry no inline script, so the server's CSP forbids them all.
"use strict";
(function () {
  // The menu folds on a phone (app.css shows the button there) only where
  // this script runs to unfold it again: without script it stays open.
  document.documentElement.classList.add("js");
  var toggle = document.querySelector("button.menu-toggle");
  var menu = document.getElementById("menu");
  if (toggle && menu) {
    var setOpen = function (open) {
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    toggle.addEventListener("click", function () { setOpen(!menu.classList.contains("open")); });
    // Escape folds it again, back to its button.
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { setOpen(false); toggle.focus(); }
    });
  }
  // Printing unfolds every data table (a report keeps its tables) and folds
  // back those that were closed.
  var unfolded = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("main details:not([open])").forEach(function (d) { d.open = true; unfolded.push(d); });
  });
  window.addEventListener("afterprint", function () {
    unfolded.forEach(function (d) { d.open = false; });
    unfolded = [];
  });
  // Filter menus: each option's value is the page to open.
  document.querySelectorAll("select[data-nav]").forEach(function (sel) {
    sel.addEventListener("change", function () { window.location.href = sel.value; });
  });
  // The index of a static copy opens the last language chosen.
  var index = document.body.getAttribute("data-index");
  if (index) {
    var lang = "en";
    try { lang = localStorage.getItem("vs_lang") === "km" ? "km" : "en"; } catch (e) { /* private mode */ }
    window.location.replace(lang + "/" + index);
    return;
  }
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
  // A canvas keeps the glyphs it drew and ECharts keeps the widths it
  // measured, so a Khmer page draws its charts once the Khmer face of the
  // shipped font is in (a first visit fetches it while the page runs); a
  // font that does not come within a few seconds is not waited for.
  var fontReady = Promise.resolve();
  if (document.documentElement.lang === "km" && document.fonts && document.fonts.load) {
    fontReady = Promise.race([
      document.fonts.load('12px "Noto Sans Khmer"', "\u1780"),
      new Promise(function (done) { setTimeout(done, 3000); })
    ]);
  }
  fontReady.then(drawCharts, drawCharts);

  function drawCharts() {
    var charts = [];
    document.querySelectorAll("div.chart[data-option]").forEach(function (el) {
      var option = JSON.parse(el.getAttribute("data-option"));
      var kind = el.getAttribute("data-kind");
      if (kind === "map") {
        // go-echarts has no field for it: no legend dot in each province.
        option.series.forEach(function (s) { s.showLegendSymbol = false; });
      }
      if (kind === "pyramid") {
        // Males are drawn to the left as negative numbers; show them as counts.
        var abs = function (v) { return Math.abs(v); };
        option.xAxis = (option.xAxis || []).map(function (a) { a.axisLabel = { formatter: abs }; return a; });
        option.tooltip.valueFormatter = function (v) { return v == null ? "–" : Math.abs(v); };
      }
      var rows = Number(el.getAttribute("data-rows") || 0);
      if (kind === "hbar") {
        // Room for each bar and its name; a name longer than two fifths of
        // the chart is cut with an ellipsis (the tooltip shows it whole),
        // so that a phone keeps most of its width for the bars.
        el.style.height = Math.max(el.clientHeight, rows * 24 + 70) + "px";
        var yAxes = option.yAxis || [];
        option.yAxis = (Array.isArray(yAxes) ? yAxes : [yAxes]).map(function (a) {
          a.axisLabel = Object.assign({}, a.axisLabel, { width: Math.round(el.clientWidth * 0.4), overflow: "truncate", ellipsis: "…" });
          return a;
        });
      }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      // The chart as a picture, for a report or a message.
      var png = el.parentNode.querySelector('button.png[data-chart="' + el.id + '"]');
      if (png) {
        png.hidden = false;
        png.addEventListener("click", function () {
          var a = document.createElement("a");
          a.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
          a.download = png.getAttribute("data-file");
          document.body.appendChild(a);
          a.click();
          a.remove();
        });
      }
      var links = el.getAttribute("data-links");
      if (links) {
        links = JSON.parse(links);
        chart.on("click", function (p) { if (links[p.name]) { window.location.href = links[p.name]; } });
      }
      el.setAttribute("data-rendered", "1");
      charts.push(chart);
    });
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
    // The printed page is narrower or wider than the screen.
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    document.body.setAttribute("data-charts-ready", String(charts.length));
    // when a visitor has the charts (the benchmark reads it in Chromium)
    if (window.performance && performance.mark) { performance.mark("charts-ready"); }
    // The fonts the charts did not wait for (page.html): an English page's
    // Khmer, a Khmer page's bold.
    document.querySelectorAll("link[data-late-fonts]").forEach(function (l) { l.media = "all"; });
  }
})();
