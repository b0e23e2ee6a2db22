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
  // Filters apply on their button, never on a change of a menu: moving
  // through a menu with the arrow keys must not open another page (WCAG
  // 3.2.2). The server's form submits itself; a static copy's area menu
  // holds each area's file, opened here.
  document.querySelectorAll("form.filters[data-static]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var sel = f.querySelector("select[data-nav]");
      if (sel) { window.location.href = sel.value; }
    });
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

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  function drawCharts() {
    var charts = [];
    document.querySelectorAll("div.chart[data-option]").forEach(function (el) {
      var option = JSON.parse(el.getAttribute("data-option"));
      var kind = el.getAttribute("data-kind");
      if (kind === "map") {
        // A province's districts: cut from the districts' map (KHM-dist-<lang>).
        option.series.forEach(function (s) {
          var m = /^(KHM-dist-(?:en|km))-(\d\d)$/.exec(s.map || "");
          if (m && !echarts.getMap(s.map) && echarts.getMap(m[1])) {
            var all = echarts.getMap(m[1]).geoJSON;
            echarts.registerMap(s.map, { type: "FeatureCollection", features: all.features.filter(function (f) { return f.properties.code.slice(0, 2) === m[2]; }) });
          }
        });
        // The tooltip reads "Oddar Meanchey: 83.9%": each item carries its text.
        option.tooltip = option.tooltip || {};
        option.tooltip.formatter = function (p) { return p.data && p.data.text ? escapeHTML(p.data.text) : escapeHTML(p.name); };
      }
      if (kind === "pyramid") {
        // Males are drawn to the left as negative numbers; show them as counts.
        var abs = function (v) { return Math.abs(v); };
        option.xAxis = (option.xAxis || []).map(function (a) { a.axisLabel = { formatter: abs }; return a; });
        option.tooltip.valueFormatter = function (v) { return v == null ? "–" : Math.abs(v); };
      }
      var spec = el.getAttribute("data-format");
      if (spec) {
        applyFormat(option, JSON.parse(spec), kind);
        // a tooltip wraps within the chart: on a phone a long line would widen the page
        option.tooltip.extraCssText = "white-space:normal;max-width:" + Math.max(160, Math.min(360, el.clientWidth - 24)) + "px;";
      }
      // Axis, legend and tooltip text at the page's chart size (13 px, 14
      // px in Khmer: chartFontSize), which ECharts does not take from the
      // option's textStyle for them.
      var fs = (option.textStyle && option.textStyle.fontSize) || 13;
      ["xAxis", "yAxis"].forEach(function (k) {
        var axes = option[k];
        if (!axes) { return; }
        (Array.isArray(axes) ? axes : [axes]).forEach(function (a) {
          a.axisLabel = Object.assign({ fontSize: fs }, a.axisLabel || {});
          a.nameTextStyle = Object.assign({ fontSize: fs }, a.nameTextStyle || {});
        });
      });
      [].concat(option.legend || []).forEach(function (l) { l.textStyle = Object.assign({ fontSize: fs }, l.textStyle || {}); });
      if (option.tooltip) { option.tooltip.textStyle = Object.assign({ fontSize: fs }, option.tooltip.textStyle || {}); }
      if (kind === "map" && el.clientWidth < 600) {
        // On a phone the provinces' names would cover the map: only the
        // selected one keeps its label (the table lists them all).
        option.series.forEach(function (s) {
          if (s.type !== "map") { return; }
          // and the map moves right and up, clear of the classes' legend
          s.layoutCenter = ["60%", "44%"];
          s.layoutSize = "86%";
          s.label = Object.assign({}, s.label, { show: false });
          (s.data || []).forEach(function (d) {
            if (d.selectedArea) { d.label = Object.assign({}, d.label, { show: true }); }
          });
        });
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
      renderers(option, fs);
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
      var sorts = el.getAttribute("data-sorts");
      if (sorts) { wireSorts(el, chart, option, JSON.parse(sorts)); }
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

  // A number in a chart's unit, as the page writes it in Go (format.go):
  // spec has the scale (100 for a share), the decimals and the suffix (%).
  function fmtNumber(spec, v, decimals) {
    if (v === null || v === undefined || v === "-" || isNaN(v)) { return spec.noData; }
    var d = decimals === undefined ? spec.decimals : decimals;
    var s = (Number(v) * spec.scale).toFixed(d);
    if (/^-0(\.0+)?$/.test(s)) { s = s.slice(1); }
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return parts.join(".") + spec.suffix;
  }

  // applyFormat gives a chart its tooltip (each point's text, written by
  // the server, with its state) and its value axis' labels in the unit.
  function applyFormat(option, spec, kind) {
    if (kind === "map") { return; } // each area's item carries its text (its own formatter)
    var enc = echarts.format.encodeHTML;
    var line = function (p) {
      var d = p.data;
      // an interval's band (surveillance) is in its line's text already
      if (d && d.band) { return ""; }
      var text;
      if (d !== null && typeof d === "object" && d.text !== undefined) {
        text = d.text;
      } else if (p.value === null || p.value === undefined || p.value === "-") {
        return "";
      } else {
        text = fmtNumber(spec, kind === "pyramid" ? Math.abs(p.value) : p.value);
        if (spec.label) { text += " " + spec.label; }
      }
      // a placeholder's series is named by its state: say it once
      var name = (d && d.state === "suppressed") ? "" : '<span class="tt-name">' + enc(p.seriesName) + "</span> ";
      var out = '<div class="tt-row">' + name + enc(text) + "</div>";
      if (d && d.total) { out = '<div class="tt-row tt-total">' + enc(d.total) + "</div>" + out; }
      return out;
    };
    option.tooltip = option.tooltip || {};
    option.tooltip.formatter = function (params) {
      if (!Array.isArray(params)) {
        var head = params.name ? '<div class="tt-head">' + enc(params.name) + "</div>" : "";
        return head + line(params);
      }
      if (!params.length) { return ""; }
      var rows = params.map(line).join("");
      return '<div class="tt-head">' + enc(params[0].axisValueLabel || params[0].name) + "</div>" + (rows || enc(spec.noData));
    };
    option.tooltip.valueFormatter = function (v) { return fmtNumber(spec, v); };
    var valueAxis = (kind === "hbar" || kind === "pyramid") ? "xAxis" : "yAxis";
    var axes = option[valueAxis];
    (Array.isArray(axes) ? axes : [axes]).forEach(function (a) {
      if (!a) { return; }
      a.axisLabel = a.axisLabel || {};
      // ticks are round numbers: no decimals unless the tick has them
      a.axisLabel.formatter = function (v) {
        var x = kind === "pyramid" ? Math.abs(v) : v;
        var scaled = Number(x) * spec.scale;
        var d = 0;
        while (d < spec.decimals + 2 && Math.abs(scaled * Math.pow(10, d) - Math.round(scaled * Math.pow(10, d))) > 1e-6) { d++; }
        return fmtNumber(spec, x, d);
      };
    });
  }

  // renderers draws the custom series the server names by their
  // renderItem: a chart's option holds no functions.
  function renderers(option, fs) {
    var font = fs + 'px "Noto Sans Khmer", system-ui, sans-serif';
    var ink = "#1d2733";
    (option.series || []).forEach(function (s) {
      if (s.type !== "custom") { return; }
      var items = s.data || [];
      if (s.renderItem === "whisker") {
        // an interval: a line from the low to the high end, with caps
        s.renderItem = function (params, api) {
          var lo = api.coord([api.value(0), api.value(1)]);
          var hi = api.coord([api.value(2), api.value(1)]);
          var h = api.size([0, 1])[1] * 0.25;
          var style = { stroke: ink, lineWidth: 1.5 };
          return { type: "group", children: [
            { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
            { type: "line", shape: { x1: lo[0], y1: lo[1] - h, x2: lo[0], y2: lo[1] + h }, style: style },
            { type: "line", shape: { x1: hi[0], y1: hi[1] - h, x2: hi[0], y2: hi[1] + h }, style: style }
          ] };
        };
      } else if (s.renderItem === "rule") {
        // a vertical line across the plot at the item's x (a reference
        // value, a target, a suppressed point), labelled above the plot; a
        // label that would overlap an earlier one (rules close together,
        // on a phone) goes a line higher, and where both lines are taken
        // it is left out (the chart's note lists the periods)
        s.renderItem = function (params, api) {
          var i = params.dataIndex, it = items[i] || {};
          var xs = items.map(function (d) { return api.coord(d.value)[0]; });
          var half = function (d) { return String(d.label || "").length * fs * 0.3 + 4; };
          var placed = [], row = -1;
          for (var k = 0; k <= i; k++) {
            var r = -1;
            for (var line = 0; line < 2 && r < 0; line++) {
              var free = placed.every(function (p) { return p.row !== line || Math.abs(p.x - xs[k]) >= p.half + half(items[k]); });
              if (free) { r = line; }
            }
            if (r >= 0) { placed.push({ x: xs[k], half: half(items[k]), row: r }); }
            row = r;
          }
          var box = params.coordSys;
          // offset moves the rule by a share of a category (between two
          // periods); shade greys the plot right of it; align places the label
          var x = xs[i] + (it.offset || 0) * api.size([1, 0])[0];
          var dash = it.dash === "dashed" ? [6, 4] : it.dash === "dotted" ? [2, 3] : null;
          var align = it.align || "center";
          var children = [
            { type: "line", shape: { x1: x, y1: box.y, x2: x, y2: box.y + box.height },
              style: { stroke: it.color || ink, lineWidth: 1.5, lineDash: dash } },
            { type: "text", x: align === "left" ? x + 4 : align === "right" ? x - 4 : x, y: box.y - 2 - Math.max(row, 0) * (fs + 2),
              style: { text: row < 0 ? "" : it.label || "", fill: it.color || ink, font: font, align: align, verticalAlign: "bottom" } }
          ];
          if (it.shade) {
            children.unshift({ type: "rect", shape: { x: x, y: box.y, width: Math.max(0, box.x + box.width - x), height: box.height },
              style: { fill: "rgba(29, 39, 51, 0.07)" } });
          }
          return { type: "group", children: children };
        };
      } else if (s.renderItem === "swatches") {
        // a map's classes, highest at the top, at the chart's bottom left
        s.renderItem = function (params, api) {
          var it = items[params.dataIndex] || {};
          var step = 20, y = api.getHeight() - (params.dataIndex + 1) * step;
          return { type: "group", children: [
            { type: "rect", shape: { x: 0, y: y, width: 18, height: 14 }, style: { fill: it.color, stroke: "#8a96a3", lineWidth: 0.5 } },
            { type: "text", x: 24, y: y + 7, style: { text: it.label || "", fill: ink, font: font, verticalAlign: "middle" } }
          ] };
        };
      }
    });
  }

  // wireSorts reorders a ranking when one of its sort buttons is pressed:
  // sorts maps each order's name to the categories' indices in that order.
  function wireSorts(el, chart, option, sorts) {
    var group = document.querySelector('.sort[data-for="' + el.id + '"]');
    if (!group) { return; }
    var catAxis = Array.isArray(option.yAxis) ? option.yAxis[0] : option.yAxis;
    var cats = catAxis.data.slice();
    var datas = option.series.map(function (s) { return (s.data || []).slice(); });
    group.querySelectorAll("button[data-sort]").forEach(function (b) {
      b.addEventListener("click", function () {
        var order = sorts[b.getAttribute("data-sort")];
        if (!order) { return; }
        var pos = [];
        order.forEach(function (i, n) { pos[i] = n; });
        catAxis.data = order.map(function (i) { return cats[i]; });
        option.series.forEach(function (s, k) {
          if (s.type === "custom") {
            // a whisker is [low, category, high]; a rule stays where it is
            s.data = datas[k].map(function (d) { return Array.isArray(d) ? [d[0], pos[d[1]], d[2]] : d; });
          } else {
            s.data = order.map(function (i) { return datas[k][i] === undefined ? null : datas[k][i]; });
          }
        });
        chart.setOption(option, true);
        group.querySelectorAll("button[data-sort]").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
        el.setAttribute("data-sorted", b.getAttribute("data-sort"));
      });
    });
  }
})();
