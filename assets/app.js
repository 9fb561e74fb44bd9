/* Clientside helpers (served from assets/, no CDN).
 * - dccFunctions.pow10: slider tooltips show physical values of the log10 sliders.
 * - An "SVG" button next to plotly's PNG camera in every graph's modebar.
 */
window.dccFunctions = window.dccFunctions || {};
window.dccFunctions.pow10 = function (v) {
  var x = Math.pow(10, v);
  return x >= 0.01 && x < 1000 ? x.toPrecision(3).replace(/\.?0+$/, "") : x.toExponential(2);
};

(function () {
  var SVG_BUTTON = {
    name: "Download plot as SVG",
    title: "Download plot as SVG",
    icon: {
      width: 1000, height: 1000,
      path: "M150 850h700v-100h-700zM450 100h100v450l150-150 70 70-270 270-270-270 70-70 150 150z",
    },
    click: function (gd) {
      var opts = (gd._context && gd._context.toImageButtonOptions) || {};
      window.Plotly.downloadImage(gd, {
        format: "svg", filename: opts.filename || "figure",
        width: gd._fullLayout.width, height: gd._fullLayout.height,
      });
    },
  };

  function withSvgButton(args) {
    var spec = args[1];
    if (spec && typeof spec === "object" && !Array.isArray(spec)) {
      var config = Object.assign({}, spec.config || {});
      var extra = (config.modeBarButtonsToAdd || []).filter(function (b) { return b.name !== SVG_BUTTON.name; });
      config.modeBarButtonsToAdd = extra.concat([SVG_BUTTON]);
      args[1] = Object.assign({}, spec, { config: config });
    }
    return args;
  }

  function patch(P) {
    if (!P || P.__svgButton) { return P; }
    ["react", "newPlot"].forEach(function (name) {
      var original = P[name];
      if (typeof original !== "function") { return; }
      P[name] = function () { return original.apply(P, withSvgButton(Array.prototype.slice.call(arguments))); };
    });
    P.__svgButton = true;
    return P;
  }

  var current = window.Plotly;
  if (current) {
    patch(current);
  } else {
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      get: function () { return current; },
      set: function (v) { current = patch(v); },
    });
  }
})();
